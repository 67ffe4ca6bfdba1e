import type { ReactNode } from 'react';

/** Words for a screen reader only: which record a button repeated on every row acts on. */
export const Hidden = ({ children }: { children: ReactNode }) => <span className="visually-hidden"> {children}</span>;
