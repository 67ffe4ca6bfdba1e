import { AsyncLocalStorage } from 'node:async_hooks';
import { later, type Position } from './positions.js';
import type { Replica, ReplicaSet } from './replicas.js';

/*
 * Where the reads of one call go: chosen once per call (services/consistency.ts, for every operation of both
 * adapters), kept here for the call's async context, and read by the one place that hands out read connections
 * (internals.ts#routeSelects). A read outside any call (start-up, the deliverer, maintenance, the command line)
 * goes to the primary; so does every read inside a transaction, on the transaction's own connection.
 */

/** What the reads of a call need. */
export type ReadRoute =
  /** The primary: a write's own call, or a call that has committed a transaction. */
  | { primary: true }
  /** A replica that has replayed this far (the call's consistency token), else the primary. */
  | { after: Position }
  /** A replica that has replayed every commit finished before this time, else the primary. */
  | { since: number };

interface CallReads {
  route: ReadRoute;
  /** The last position committed in the call. */
  committed?: Position;
  /** The replica its reads use, chosen at the first read (undefined: the primary). */
  chosen?: Promise<Replica | undefined>;
}

const calls = new AsyncLocalStorage<CallReads>();

/** Runs `work` with its reads routed by `route`; answers its value and the position of its last commit, if any. */
export async function routed<T>(route: ReadRoute, work: () => Promise<T>): Promise<{ value: T; committed?: Position }> {
  const call: CallReads = { route };
  try {
    const value = await calls.run(call, work);
    return { value, committed: call.committed };
  } catch (err) {
    if (call.committed) (err as { committed?: Position }).committed = call.committed;
    throw err;
  }
}

/** The position an operation that failed had committed before failing (routed's error). */
export const committedBefore = (err: unknown): Position | undefined =>
  (err as { committed?: Position } | undefined)?.committed;

/** A transaction of the current call committed: its later reads go to the primary (they must see the change). */
export function noteCommit(position: Position | undefined): void {
  const call = calls.getStore();
  if (!call) return;
  call.committed = later(call.committed, position);
  call.route = { primary: true };
  call.chosen = undefined;
}

/** The replica the current call's reads go to, or undefined for the primary. */
export function replicaForCall(replicas: ReplicaSet): Promise<Replica | undefined> {
  const call = calls.getStore();
  if (!call || 'primary' in call.route) return Promise.resolve(undefined);
  call.chosen ??= replicas.choose(call.route);
  return call.chosen;
}

/** The replica failed the current call: its other reads go to the primary. */
export function replicaFailedCall(): void {
  const call = calls.getStore();
  if (call) call.chosen = Promise.resolve(undefined);
}
