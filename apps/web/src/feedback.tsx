import { CcmPreconditionFailedError } from '@ccm/sdk';
import { useRouterState } from '@tanstack/react-router';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

/** What the last action answered: the server's message, where it was said, and for a stale write a way back. */
interface Said {
  text: string;
  failed: boolean;
  path: string;
  /** Each message is a new node, so that a screen reader announces a repeat of the same words too. */
  n: number;
  reload?: () => void;
}

interface Feedback {
  /** The server's message for a success, read out politely (role=status). */
  say(text: string): void;
  /** An error's message, read out at once (role=alert); a stale write says so and offers `reload`. */
  fail(error: unknown, reload?: () => void): void;
  clear(): void;
}

const Context = createContext<Feedback>({ say() {}, fail() {}, clear() {} });

/** The message a failure shows: a stale write (412) is told as a change by someone else. */
export function failureText(error: unknown): string {
  if (CcmPreconditionFailedError.is(error)) return 'This was changed by someone else since you loaded it.';
  return error instanceof Error ? error.message : String(error);
}

/**
 * The console's two live regions, always in the page (a region added with its text is often not read): the
 * messages of the page's actions, kept until another action or until the user goes to another page.
 */
export function FeedbackProvider({ children }: { children: ReactNode }) {
  const path = useRouterState({ select: (s) => s.location.pathname });
  const [said, setSaid] = useState<Said>();
  const here = () => window.location.pathname;
  const say = useCallback(
    (text: string) => setSaid((s) => ({ text, failed: false, path: here(), n: (s?.n ?? 0) + 1 })),
    [],
  );
  const fail = useCallback(
    (error: unknown, reload?: () => void) =>
      setSaid((s) => ({
        text: failureText(error),
        failed: true,
        path: here(),
        n: (s?.n ?? 0) + 1,
        reload: stale(error, reload),
      })),
    [],
  );
  const clear = useCallback(() => setSaid(undefined), []);
  const feedback = useMemo(() => ({ say, fail, clear }), [say, fail, clear]);
  const shown = said?.path === path ? said : undefined;
  return (
    <Context.Provider value={feedback}>
      <div className="feedback">
        <p role="status">{shown && !shown.failed && <span key={shown.n}>{shown.text}</span>}</p>
        <div role="alert">
          {shown?.failed && (
            <p key={shown.n} className="error">
              {shown.text}{' '}
              {shown.reload && (
                <button
                  type="button"
                  onClick={() => {
                    setSaid(undefined);
                    shown.reload?.();
                  }}
                >
                  Reload
                </button>
              )}
            </p>
          )}
        </div>
      </div>
      {children}
    </Context.Provider>
  );
}

const stale = (error: unknown, reload?: () => void) => (CcmPreconditionFailedError.is(error) ? reload : undefined);

export const useFeedback = () => useContext(Context);
