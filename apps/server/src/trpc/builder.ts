import type { RouteMetadata } from '@ccm/contract';
import { initTRPC } from '@trpc/server';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeep } from '../http/body.js';
import { AppError } from '../services/index.js';
import { asTRPCError, errorFormatter } from './errors.js';
import type { Context } from './types.js';

/**
 * The one tRPC instance every procedure is built with (the contract's routes: procedures.ts; the subscriptions:
 * event-stream.ts). Subscriptions are served as server-sent events: a ping comment every 15 seconds keeps an idle
 * stream open through proxies and lets the server notice a client gone; a client hearing nothing for 45 seconds
 * reconnects (from the last event id it got).
 */
export const t = initTRPC
  .context<Context>()
  .meta<RouteMetadata>()
  .create({
    errorFormatter,
    isDev: false,
    sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 45_000 } },
  });

/** Outermost around every call: whatever it ends with becomes the TRPCError of its service error code. */
export const errors = t.middleware(async ({ next, getRawInput }) => {
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
