import type { Contract, RouteMetadata, RpcInput, RpcKindOf, RpcOutput } from '@ccm/contract';
import type { TRPCBuiltRouter, TRPCMutationProcedure, TRPCQueryProcedure } from '@trpc/server';
import type { AppRoute } from '@ts-rest/core';
import type { Context, ErrorShape } from './types.js';

/** A route of the contract as the procedure that serves it: its kind, input and output (@ccm/contract's rpc.ts). */
type ProcedureOf<R> =
  RpcKindOf<R> extends 'query'
    ? TRPCQueryProcedure<{ input: RpcInput<R>; output: RpcOutput<R>; meta: RouteMetadata }>
    : TRPCMutationProcedure<{ input: RpcInput<R>; output: RpcOutput<R>; meta: RouteMetadata }>;

type Procedures<C> = { [K in keyof C]: C[K] extends AppRoute ? ProcedureOf<C[K]> : Procedures<C[K]> };

/**
 * The type of the tRPC router served at `/trpc`, for clients: `createTRPCClient<AppRouter>(...)`. Written in terms
 * of tRPC, zod and the contract only, so that a client never needs the server's code. Import it as a type only
 * (`import type { AppRouter } from '@ccm/server/trpc'`).
 */
export type AppRouter = TRPCBuiltRouter<
  { ctx: Context; meta: RouteMetadata; errorShape: ErrorShape; transformer: false },
  Procedures<Contract>
>;
