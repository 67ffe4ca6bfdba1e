import { contract, type RouteMetadata, type Rpc, routeEntries, rpcOf } from '@ccm/contract';
import { operationAt, perform, setAt } from '../operations.js';
import type { Paged, Services } from '../services/index.js';
import { errors, t } from './builder.js';
import { eventStream } from './event-stream.js';
import type { AppRouter } from './router.js';
import type { Context } from './types.js';

// The tRPC adapter: every route of the contract as a procedure, made from the contract (its input, output and
// access: @ccm/contract's rpc.ts) and the operation table (its service call: operations.ts). Nothing here is
// written per operation; the one subscription, events.onChange, is beside them (event-stream.ts). A streamed
// route (a file: contacts.export) has no procedure: tRPC answers one JSON value, not a file of a million lines.

/** An operation's result as the procedure answers it: a list as a numbered page (with its cursors, if any). */
function answer(rpc: Rpc, result: unknown) {
  if (!rpc.output) return undefined;
  if (!rpc.paging) return result;
  const p = result as Paged<unknown>;
  const page = { count: p.count, page: p.page, page_size: p.pageSize, results: p.results };
  return p.cursors ? { ...page, next_cursor: p.cursors.next, previous_cursor: p.cursors.previous } : page;
}

/**
 * The tRPC router over the services. Its type, AppRouter (router.ts), is derived from the contract alone, so
 * that clients are typed without the server's code. `closing` aborts when the server shuts down: the open
 * event streams end then (their clients reconnect elsewhere), so that they do not hold the shutdown.
 */
export function createAppRouter(services: Services, options: { closing?: AbortSignal } = {}): AppRouter {
  const record: Record<string, unknown> = {};
  for (const entry of routeEntries(contract)) {
    const { name, route } = entry;
    const op = operationAt(name);
    const rpc = rpcOf(route);
    if (rpc.stream) continue;
    const metadata = route.metadata as RouteMetadata;
    // The contract's access, checked as REST checks it (http/authenticate.ts) before the input is read, so that a
    // caller without the right gets 401/403.
    let procedure = t.procedure
      .meta(metadata)
      .use(errors)
      .use(async ({ ctx, next }) => next({ ctx: { principal: await services.admit(metadata.access, ctx) } }));
    if (rpc.input) procedure = procedure.input(rpc.input) as unknown as typeof procedure;
    if (rpc.output) procedure = procedure.output(rpc.output) as unknown as typeof procedure;
    const resolve = async ({ input, ctx }: { input: unknown; ctx: Context & { principal?: unknown } }) => {
      const { result, replayed, consistencyToken } = await perform(services, entry, op, input ?? {}, ctx as never);
      if (replayed) ctx.replayed?.();
      if (consistencyToken) ctx.consistent?.(consistencyToken);
      return answer(rpc, result);
    };
    const built = rpc.kind === 'query' ? procedure.query(resolve) : procedure.mutation(resolve);
    setAt(record, name, built);
  }
  setAt(record, 'events.onChange', eventStream(services, options.closing));
  return t.router(record as never) as unknown as AppRouter;
}
