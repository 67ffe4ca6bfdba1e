/**
 * The tRPC flavour of the SDK: the same operations as REST, served at `<baseUrl>/trpc`, typed by the server's
 * router. `AppRouter` is a type only, written in terms of tRPC, zod and the contract (apps/server/src/trpc/
 * router.ts): nothing of the server runs here, and the published declarations inline it (@ccm/server is a
 * devDependency), so that users never install the server.
 */
import type { AppRouter } from '@ccm/server/trpc';
import { createTRPCClient, httpLink, type TRPCClient, TRPCClientError } from '@trpc/client';
import type { FetchLike } from './transport.js';

export type { AppRouter };

/** Where the access token comes from: a fixed one, or a function asked before every call. */
type TokenSource =
  | {
      /** An access token sent with every call (`Authorization: Bearer <token>`). */
      token?: string;
      getToken?: never;
    }
  | {
      token?: never;
      /** Asked before every call for the current access token (nothing: the call goes without one). */
      getToken: () => string | null | undefined | Promise<string | null | undefined>;
    };

export type TrpcClientOptions = TokenSource & {
  /** The server's address, as for `createClient`: `http://127.0.0.1:8000` (tRPC answers under `/trpc`). */
  baseUrl: string;
  /** A `fetch` implementation (default: the global one). */
  fetch?: FetchLike;
};

/** The tRPC client: `trpc.contacts.list.query({ search: 'john' })`, `trpc.contacts.create.mutate({...})`. */
export type CcmTrpcClient = TRPCClient<AppRouter>;

/** An error answered by the tRPC endpoint (or a failed request), with `data.appCode` and `data.fieldErrors`. */
export type CcmTrpcError = TRPCClientError<AppRouter>;

/**
 * A tRPC client of the ccm API. One call per request (the server does not batch); access tokens as for REST.
 * Errors are `TRPCClientError`s: `err.data.code` (`UNAUTHORIZED`, `FORBIDDEN`, `BAD_REQUEST`, `NOT_FOUND`...),
 * `err.data.appCode` and, for invalid input, `err.data.fieldErrors` (`{ field: [messages] }`, as REST).
 *
 * @example
 * const trpc = createTrpcClient({ baseUrl: 'http://127.0.0.1:8000', token: access });
 * const page = await trpc.contacts.list.query({ search: 'john', page_size: 10 });
 */
export function createTrpcClient(options: TrpcClientOptions): CcmTrpcClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/trpc`;
  const { token, getToken = () => token } = options;
  const fetch = options.fetch;
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url,
        headers: async () => {
          const current = await getToken();
          return current ? { authorization: `Bearer ${current}` } : {};
        },
        // The link always passes the URL as a string.
        ...(fetch ? { fetch: (input, init) => fetch(String(input), init as RequestInit) } : {}),
      }),
    ],
  });
}

/** Whether an error comes from a tRPC call (then `data` holds the server's error data, when it answered). */
export const isTrpcError = (error: unknown): error is CcmTrpcError => error instanceof TRPCClientError;
