import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { ccm } from './session.js';

/** The frame of the signed-in pages: the navigation and signing out. */
export function Layout() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const signOut = async () => {
    await ccm.logout().catch(() => {});
    queries.clear();
    await navigate({ to: '/sign-in' });
  };
  return (
    <div className="frame">
      <header>
        <nav aria-label="Main">
          <Link to="/">Customers</Link> <Link to="/contacts">Contacts</Link> <Link to="/import">Import</Link>
        </nav>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <Outlet />
      </main>
    </div>
  );
}
