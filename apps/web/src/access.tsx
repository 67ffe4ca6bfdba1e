import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { currentRole } from './session.js';

/** Write controls: shown to staff and admins; a viewer reads why they are not there. */
export function WriteAccess({ children }: { children: ReactNode }) {
  const role = useQuery({ queryKey: ['role'], queryFn: currentRole, staleTime: Number.POSITIVE_INFINITY });
  if (role.data === 'viewer') return <p className="note">Viewers can read everything here but change nothing.</p>;
  return role.data ? children : null;
}
