import { routeEntries } from '@ccm/contract';
import { consistencyHeader, keepConsistencyToken } from './consistency.js';

/** The two ways into every operation: REST (`/api/...`) and tRPC (`/trpc/<operation>`). */
export type Adapter = 'rest' | 'trpc';
export const ADAPTERS: readonly Adapter[] = ['rest', 'trpc'];

/** An answer in the same terms whichever adapter gave it. */
export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON and assert on it.
  data: any;
  /** Field errors: `errors` of the REST envelope, `error.data.fieldErrors` of tRPC. */
  errors: Record<string, string[]> | undefined;
  message: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the raw body, for assertions on the envelope itself.
  body: any;
}

const routes = new Map(routeEntries().map((e) => [e.name, e.route]));

/**
 * Calls an operation of the contract by its name (`contacts.toggleStatus`) with one input, as a client of either
 * adapter sends it: REST puts `id` in the path, the rest in the query (GET) or the body; tRPC sends the whole
 * input, as JSON, with `?input=` for queries. Inputs are sent as given, hostile ones included. The newest
 * consistency token of the server's answers goes with every call (support/consistency.ts), unless `shareTokens`
 * is false.
 */
export function operations(baseUrl: string, token?: string, { shareTokens = true } = {}) {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

  async function answer(res: Response, adapter: Adapter): Promise<Answer> {
    if (shareTokens) keepConsistencyToken(baseUrl, res.headers);
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    // biome-ignore lint/suspicious/noExplicitAny: either adapter's JSON
    const b = body as any;
    if (adapter === 'rest') {
      return { status: res.status, headers: res.headers, data: b?.data, errors: b?.errors, message: b?.message, body };
    }
    return {
      status: res.status,
      headers: res.headers,
      data: b?.result?.data,
      errors: b?.error?.data?.fieldErrors,
      message: b?.error?.message,
      body,
    };
  }

  async function call(adapter: Adapter, name: string, input?: unknown, extra: Record<string, string> = {}) {
    const headers = { ...(shareTokens ? consistencyHeader(baseUrl) : {}), ...extra };
    const route = routes.get(name);
    if (!route) throw new Error(`no operation ${name}`);
    if (adapter === 'trpc') {
      const query = route.method === 'GET';
      const url = `${baseUrl}/trpc/${name}${query && input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ''}`;
      const res = await fetch(url, {
        method: query ? 'GET' : 'POST',
        headers: { ...auth, ...(query ? {} : { 'content-type': 'application/json' }), ...headers },
        body: query || input === undefined ? undefined : JSON.stringify(input),
      });
      return answer(res, adapter);
    }
    // The path's ids (`:id`, `:delivery_id`) come out of the input; the rest is the query or the body.
    const rest = { ...((input ?? {}) as Record<string, unknown>) };
    const path = route.path.replace(/:(\w+)/g, (_, name: string) => {
      const value = rest[name];
      delete rest[name];
      return String(value);
    });
    const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
    const search = route.method === 'GET' ? new URLSearchParams(rest as Record<string, string>).toString() : '';
    const res = await fetch(`${baseUrl}${path}${search ? `?${search}` : ''}`, {
      method: route.method,
      headers: { ...auth, ...(hasBody ? { 'content-type': 'application/json' } : {}), ...headers },
      body: hasBody ? JSON.stringify(rest) : undefined,
    });
    return answer(res, adapter);
  }

  return {
    call,
    rest: (name: string, input?: unknown, headers?: Record<string, string>) => call('rest', name, input, headers),
    trpc: (name: string, input?: unknown, headers?: Record<string, string>) => call('trpc', name, input, headers),
  };
}

export type Operations = ReturnType<typeof operations>;
