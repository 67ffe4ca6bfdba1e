import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

interface Question {
  title: string;
  text: string;
  /** The confirming button's name (`Delete`). */
  action: string;
}

/**
 * A confirmation asked in a modal `<dialog>`: focus moves into it (to Cancel, the safe choice), stays in it,
 * Escape cancels, and focus goes back where it was (or to `fallback` when that control is gone).
 */
function ConfirmDialog(props: { question?: Question; answer: (yes: boolean) => void; fallback?: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const id = useId();
  const open = props.question !== undefined;
  // Read when the dialog closes, so that a new function each render does not reopen it.
  const fallback = useRef(props.fallback);
  fallback.current = props.fallback;
  useEffect(() => {
    const element = dialog.current;
    if (!open || !element) return;
    const before = document.activeElement as HTMLElement | null;
    element.showModal();
    cancel.current?.focus();
    return () => {
      element.close();
      if (before?.isConnected) before.focus();
      else fallback.current?.();
    };
  }, [open]);
  return (
    <dialog
      ref={dialog}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
      onCancel={(event) => {
        event.preventDefault();
        props.answer(false);
      }}
    >
      <h2 id={`${id}-title`}>{props.question?.title}</h2>
      <p id={`${id}-text`}>{props.question?.text}</p>
      <button type="button" className="danger" onClick={() => props.answer(true)}>
        {props.question?.action}
      </button>{' '}
      <button type="button" ref={cancel} onClick={() => props.answer(false)}>
        Cancel
      </button>
    </dialog>
  );
}

/** `ask(question)` resolves with the user's answer; `dialog` is the element to render once on the page. */
export function useConfirm(fallback?: () => void): { ask: (q: Question) => Promise<boolean>; dialog: ReactNode } {
  const [asking, setAsking] = useState<Question & { resolve: (yes: boolean) => void }>();
  const ask = (question: Question) => new Promise<boolean>((resolve) => setAsking({ ...question, resolve }));
  const answer = (yes: boolean) => {
    asking?.resolve(yes);
    setAsking(undefined);
  };
  return { ask, dialog: <ConfirmDialog question={asking} answer={answer} fallback={fallback} /> };
}
