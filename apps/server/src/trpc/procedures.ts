import { contract, type RouteMetadata, type Rpc, routeEntries, rpcOf } from '@ccm/contract';
import { initTRPC } from '@trpc/server';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeep } from '../http/body.js';
import { operationAt, perform, setAt } from '../operations.js';
import { AppError, type Paged, type Services } from '../services/index.js';
import { asTRPCError, errorFormatter } from './errors.js';
import type { AppRouter } from './router.js';
import type { Context } from './types.js';

// The tRPC adapter: every route of the contract as a procedure, made from the contract (its input, output and
// access: @ccm/contract's rpc.ts) and the operation table (its service call: operations.ts). Nothing here is
// written per operation.

const t = initTRPC.context<Context>().meta<RouteMetadata>().create({ errorFormatter, isDev: false });

/** Outermost around every call: whatever it ends with becomes the TRPCError of its service error code. */
const errors = t.middleware(async ({ next, getRawInput }) => {
  const result = await next({
    // tRPC parses a query's `input` parameter itself: invalid or too deeply nested JSON there is the caller's
    // error, as in a body (http/body.ts), not a 500.
    getRawInput: () =>
      getRawInput().then(
        (input) => {
          if (nestsDeeperThan(input, MAX_JSON_DEPTH)) throw tooDeep();
          return input;
        },
        (err: unknown) => {
          if (!(err instanceof SyntaxError)) throw err;
          throw new AppError('validation', 'Malformed JSON in the input.', { non_field_errors: [err.message] });
        },
      ),
  });
  if (!result.ok) throw asTRPCError(result.error);
  return result;
});

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
 * that clients are typed without the server's code.
 */
export function createAppRouter(services: Services): AppRouter {
  const record: Record<string, unknown> = {};
  for (const entry of routeEntries(contract)) {
    const { name, route } = entry;
    const op = operationAt(name);
    const rpc = rpcOf(route);
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
      const { result, replayed } = await perform(services, entry, op, input ?? {}, ctx as never);
      if (replayed) ctx.replayed?.();
      return answer(rpc, result);
    };
    const built = rpc.kind === 'query' ? procedure.query(resolve) : procedure.mutation(resolve);
    setAt(record, name, built);
  }
  return t.router(record as never) as unknown as AppRouter;
}
