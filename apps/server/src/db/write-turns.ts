import cluster, { type Worker } from 'node:cluster';

/**
 * SQLite has one writer per database file. In a process, write transactions run one at a time (transaction.ts);
 * across cluster workers they would meet in SQLite's busy handler, which sleeps between its tries, so that a
 * waiting writer sleeps through turns it could have had. Instead the primary hands out the turns, first come first
 * served, over the cluster's IPC channel: a round trip of a few tens of microseconds. A transaction asks once its
 * process's own queue has let it through, so each worker has at most one request waiting here (figures:
 * docs/benchmarks.md).
 */
const TYPE = 'ccm:write-turn';

interface TurnMessage {
  type: typeof TYPE;
  op: 'ask' | 'go' | 'done';
  n: number;
}

const isTurnMessage = (m: unknown): m is TurnMessage => (m as TurnMessage | null)?.type === TYPE;

/** In the primary: grants the turns to the workers that ask, one at a time. */
export function serveWriteTurns(): void {
  const queue: { worker: Worker; n: number }[] = [];
  let holder: { worker: Worker; n: number } | undefined;
  const next = () => {
    while (!holder && queue.length > 0) {
      const turn = queue.shift()!;
      if (!turn.worker.isConnected()) continue;
      holder = turn;
      turn.worker.send({ type: TYPE, op: 'go', n: turn.n } satisfies TurnMessage);
    }
  };
  cluster.on('message', (worker, message) => {
    if (!isTurnMessage(message)) return;
    if (message.op === 'ask') queue.push({ worker, n: message.n });
    else if (message.op === 'done' && holder?.worker === worker && holder.n === message.n) holder = undefined;
    next();
  });
  // A worker that dies holding the turn or waiting for one gives it up (SQLite has rolled its transaction back).
  cluster.on('exit', (worker) => {
    if (holder?.worker === worker) holder = undefined;
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.worker === worker) queue.splice(i, 1);
    next();
  });
}

const granted = new Map<number, () => void>();
let asked = 0;
let listening = false;

/**
 * Waits for this worker's turn; the function returned gives it back. Outside a cluster worker, or with the
 * channel to the primary gone (the worker is on its way out), at once: SQLite's own lock still holds.
 */
async function takeTurn(): Promise<() => void> {
  const channel = process.send?.bind(process);
  if (!cluster.isWorker || !channel || !process.connected) return () => {};
  const send = (message: TurnMessage) => {
    try {
      channel(message);
      return true;
    } catch {
      return false;
    }
  };
  if (!listening) {
    listening = true;
    process.on('message', (message) => {
      if (isTurnMessage(message) && message.op === 'go') granted.get(message.n)?.();
    });
    // No primary, no turns: the waiting go ahead on SQLite's own lock.
    process.on('disconnect', () => {
      for (const go of granted.values()) go();
    });
  }
  const n = ++asked;
  await new Promise<void>((resolve) => {
    granted.set(n, resolve);
    if (!send({ type: TYPE, op: 'ask', n })) resolve();
  });
  granted.delete(n);
  return () => send({ type: TYPE, op: 'done', n });
}

/** Runs `work` in this worker's turn to write (outside a cluster worker, at once). */
export async function inWriteTurn<T>(work: () => Promise<T>): Promise<T> {
  const giveBack = await takeTurn();
  try {
    return await work();
  } finally {
    giveBack();
  }
}
