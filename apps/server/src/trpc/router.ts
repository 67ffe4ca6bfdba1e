import type {
  Contract,
  Event,
  EventType,
  IsStreamed,
  RouteMetadata,
  RpcInput,
  RpcKindOf,
  RpcOutput,
} from '@ccm/contract';
import type {
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from '@trpc/server';
import type { AppRoute } from '@ts-rest/core';
import type { Context, ErrorShape } from './types.js';

/** A route of the contract as the procedure that serves it: its kind, input and output (@ccm/contract's rpc.ts). */
type ProcedureOf<R> =
  RpcKindOf<R> extends 'query'
    ? TRPCQueryProcedure<{ input: RpcInput<R>; output: RpcOutput<R>; meta: RouteMetadata }>
    : TRPCMutationProcedure<{ input: RpcInput<R>; output: RpcOutput<R>; meta: RouteMetadata }>;

/** Every route but the streamed ones (a file is REST only: docs/api.md, "Export"). */
type Procedures<C> = {
  [K in keyof C as IsStreamed<C[K]> extends true ? never : K]: C[K] extends AppRoute
    ? ProcedureOf<C[K]>
    : Procedures<C[K]>;
};

/**
 * What `events.onChange` takes: the feed's cursor to start after (`next_cursor`, digits; absent: from the first
 * event) and the types to keep (absent: all). tRPC adds `lastEventId` when it reconnects, which wins over `after`.
 */
export type EventStreamInput = { after?: string; types?: EventType[]; lastEventId?: string | null } | undefined;

/** `events.onChange` (trpc/event-stream.ts): the record of changes as it grows, each event with its sequence as id. */
type EventStream = TRPCSubscriptionProcedure<{
  input: EventStreamInput;
  output: AsyncIterable<{ id: string; data: Event }, void, unknown>;
  meta: RouteMetadata;
}>;

/** The contract's routes, and the one subscription beside them. */
type Routes = Procedures<Contract>;
type AppProcedures = Omit<Routes, 'events'> & { events: Routes['events'] & { onChange: EventStream } };

/**
 * The type of the tRPC router served at `/trpc`, for clients: `createTRPCClient<AppRouter>(...)`. Written in terms
 * of tRPC, zod and the contract only, so that a client never needs the server's code. Import it as a type only
 * (`import type { AppRouter } from '@ccm/server/trpc'`).
 */
export type AppRouter = TRPCBuiltRouter<
  { ctx: Context; meta: RouteMetadata; errorShape: ErrorShape; transformer: false },
  AppProcedures
>;
