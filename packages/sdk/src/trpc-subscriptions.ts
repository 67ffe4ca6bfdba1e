/**
 * How `@ccm/sdk/trpc` carries subscriptions (`trpc.events.onChange.subscribe(...)`): server-sent events through
 * tRPC's httpSubscriptionLink, the access token on every (re)connection, and a stream whose token expired while it
 * was open subscribed again from its last event.
 */
import type { AppRouter } from '@ccm/server/trpc';
import { httpSubscriptionLink, type TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { EventSource as FetchEventSource } from 'eventsource';
import type { FetchLike } from './send.js';

/** An `EventSource` class: a browser's (or Deno's, Node 22's...), or a ponyfill's. */
export type EventSourceClass = NonNullable<Parameters<typeof httpSubscriptionLink>[0]['EventSource']>;

export interface SubscriptionOptions {
  /**
   * The `EventSource` class subscriptions use. By default, the `eventsource` package's (Node 18 and 20 have none):
   * it sends the access token in an `Authorization` header, asked of the session anew for every connection and
   * reconnection. Give another (a browser's own `EventSource`) and, as it cannot send headers, the token goes in
   * the URL's connection params instead (`?connectionParams={"token":…}`; the server never logs URLs).
   */
  EventSource?: EventSourceClass;
}

/** The link that carries subscriptions to `<baseUrl>/trpc`, with the token `accessToken` gives for each connection. */
export function subscriptionLink(
  baseUrl: string,
  accessToken: () => Promise<string | null | undefined>,
  options: SubscriptionOptions & { fetch?: FetchLike; headers?: Record<string, string> },
): TRPCLink<AppRouter> {
  const url = `${baseUrl}/trpc`;
  // No token when the session cannot give one (signed out, renewal refused): the server's refusal says so.
  const token = () => accessToken().catch(() => undefined);
  if (options.EventSource) {
    return httpSubscriptionLink({
      url,
      EventSource: options.EventSource,
      connectionParams: async () => {
        const current = await token();
        return current ? { token: current } : null;
      },
    });
  }
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return httpSubscriptionLink({
    url,
    EventSource: FetchEventSource,
    eventSourceOptions: {
      // Called for every connection, the EventSource's own reconnections too: never a stale token.
      fetch: async (input, init) => {
        const current = await token();
        const headers = {
          ...options.headers,
          ...init.headers,
          ...(current ? { authorization: `Bearer ${current}` } : {}),
        };
        return fetchImpl(String(input), { ...(init as RequestInit), headers });
      },
    },
  });
}

/** A refusal this long after the stream first connected is a token that expired meanwhile, not a caller's error. */
const RENEW_AFTER_MS = 2_000;

/**
 * Subscribes again, from the last event received, when a stream that had been open for a while is refused as
 * UNAUTHORIZED: the server ends a stream when its access token expires (as the next request would be refused), and
 * the new subscription gets a fresh token from the session. A refusal at once is the caller's error, as is any other.
 */
export function renewingLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) => {
      if (op.type !== 'subscription') return next(op);
      return observable((observer) => {
        let lastEventId: string | undefined;
        let current: Unsubscribable | undefined;
        let closed = false;
        const attempt = () => {
          // When this subscription first connected (the EventSource's own reconnections come later).
          let startedAt: number | undefined;
          const input = lastEventId ? { ...(op.input as object | undefined), lastEventId } : op.input;
          current = next({ ...op, input }).subscribe({
            next(envelope) {
              const { result } = envelope;
              if ('type' in result && result.type === 'started') startedAt ??= Date.now();
              if ((!('type' in result) || result.type === 'data') && 'id' in result && result.id) {
                lastEventId = String(result.id);
              }
              observer.next(envelope);
            },
            error(error: TRPCClientError<AppRouter>) {
              const open = startedAt === undefined ? 0 : Date.now() - startedAt;
              const expired = error.data?.code === 'UNAUTHORIZED' && open >= RENEW_AFTER_MS;
              if (expired && !closed) attempt();
              else observer.error(error);
            },
            complete() {
              observer.complete();
            },
          });
        };
        attempt();
        return () => {
          closed = true;
          current?.unsubscribe();
        };
      });
    };
}
