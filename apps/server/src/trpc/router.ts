import { createAppRouter } from './procedures.js';

/**
 * Never called: its return type is AppRouter. A type alias would be emitted as `ReturnType<typeof
 * createAppRouter>` and drag the services' types (and the database's) into router.d.ts; an inferred return
 * type is written out in full, in terms of tRPC, zod and the contract only.
 */
function appRouter() {
  return createAppRouter(undefined as never);
}

/**
 * The type of the tRPC router served at `/trpc`, for clients: `createTRPCClient<AppRouter>(...)`.
 * Import it as a type only (`import type { AppRouter } from '@ccm/server/trpc'`).
 */
export type AppRouter = ReturnType<typeof appRouter>;
