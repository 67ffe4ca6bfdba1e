import type { Role, User } from '@ccm/sdk';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { AdminOnly } from '../access.js';
import { NewUserForm, ROLES, useUserActions } from '../admin/users.js';
import { Hidden } from '../hidden.js';
import { Pager } from '../paging.js';
import { ccm } from '../session.js';
import { type Column, RecordTable, yesNo } from '../table.js';

type Account = User & { is_active: boolean; created_at: string };

/** A user's role, changed with a button (a select that acted on every arrow key would surprise a keyboard). */
function RoleChoice({ user, save }: { user: Account; save: (role: Role) => void }) {
  const [role, setRole] = useState<Role>(user.role);
  return (
    <span className="inline">
      <select aria-label={`Role of ${user.username}`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
        {ROLES.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>{' '}
      <button type="button" disabled={role === user.role} onClick={() => save(role)}>
        Change role<Hidden>of {user.username}</Hidden>
      </button>
    </span>
  );
}

function columns(actions: ReturnType<typeof useUserActions>): Column<Account>[] {
  return [
    ['Username', (u) => u.username],
    ['E-mail', (u) => u.email],
    ['Role', (u) => <RoleChoice key={u.role} user={u} save={(role) => actions.setRole(u.id, role)} />],
    ['Active', (u) => yesNo(u.is_active)],
    [
      'Actions',
      (u) => (
        <span className="inline">
          <button type="button" onClick={() => actions.setActive(u.id, !u.is_active)}>
            {u.is_active ? 'Deactivate' : 'Activate'}
            <Hidden>{u.username}</Hidden>
          </button>{' '}
          <button type="button" onClick={() => actions.endSessions(u.id)}>
            End sessions<Hidden>of {u.username}</Hidden>
          </button>
        </span>
      ),
    ],
  ];
}

function UserList() {
  const [page, setPage] = useState(1);
  const users = useQuery({
    queryKey: ['users', page],
    queryFn: () => ccm.users.list({ query: { page, page_size: 50 } }),
    placeholderData: keepPreviousData,
  });
  const actions = useUserActions();
  return (
    <>
      {users.error && <p className="error">{(users.error as Error).message}</p>}
      <RecordTable
        label="Users table"
        caption={users.data ? `${users.data.count.toLocaleString()} users` : 'Loading…'}
        columns={columns(actions)}
        rows={users.data?.results as Account[] | undefined}
      />
      <Pager
        previous={page > 1 ? () => setPage(page - 1) : undefined}
        next={users.data?.next ? () => setPage(page + 1) : undefined}
      />
    </>
  );
}

/** The users (admins only): who may sign in, with which role; new users. */
export function UsersPage() {
  return (
    <section aria-labelledby="users-heading">
      <h1 id="users-heading">Users</h1>
      <AdminOnly what="users">
        <UserList />
        <h2>New user</h2>
        <NewUserForm />
      </AdminOnly>
    </section>
  );
}
