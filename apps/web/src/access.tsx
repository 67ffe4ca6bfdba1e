import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { currentRole } from './session.js';

/** The signed-in user's role (undefined while it is asked): only to show or hide controls, the server checks. */
export function useRole() {
  return useQuery({ queryKey: ['role'], queryFn: currentRole, staleTime: Number.POSITIVE_INFINITY }).data;
}

/** Whether the user may change data (admins and staff): a viewer's page shows no write control. */
export const useCanWrite = () => {
  const role = useRole();
  return role === 'admin' || role === 'staff';
};

/** Write controls: shown to staff and admins; a viewer reads why they are not there. */
export function WriteAccess({ children }: { children: ReactNode }) {
  const role = useRole();
  if (role === 'viewer') return <p className="note">Viewers can read everything here but change nothing.</p>;
  return role ? children : null;
}

/** An admin's page: anyone else is told that it is not theirs, and why. */
export function AdminOnly({ what, children }: { what: string; children: ReactNode }) {
  const role = useRole();
  if (role && role !== 'admin') {
    return (
      <p className="note">
        Only admins can manage {what}; you are signed in as {role}.
      </p>
    );
  }
  return role ? children : null;
}
