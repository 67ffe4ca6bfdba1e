import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { useRole } from './access.js';
import { FeedbackProvider } from './feedback.js';
import { ccm } from './session.js';

/**
 * The frame of the signed-in pages: the navigation (the import for those who may write, the admins' pages for
 * admins only) and signing out.
 */
export function Layout() {
  const navigate = useNavigate();
  const queries = useQueryClient();
  const role = useRole();
  const admin = role === 'admin';
  const signOut = async () => {
    await ccm.logout().catch(() => {});
    queries.clear();
    await navigate({ to: '/sign-in' });
  };
  return (
    <div className="frame">
      <header>
        <nav aria-label="Main">
          <Link to="/">Customers</Link> <Link to="/contacts">Contacts</Link>
          {(admin || role === 'staff') && (
            <>
              {' '}
              <Link to="/import">Import</Link>
            </>
          )}
          {admin && (
            <>
              {' '}
              <Link to="/users">Users</Link> <Link to="/webhooks">Webhooks</Link>
            </>
          )}
        </nav>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <FeedbackProvider>
          <Outlet />
        </FeedbackProvider>
      </main>
    </div>
  );
}
