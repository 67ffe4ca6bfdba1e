import { consistencyHeader, keepConsistencyToken } from './consistency.js';

/** A response as the tests read it: status, headers and the parsed JSON body (undefined when empty). */
export interface Res {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON and assert on it.
  body: any;
  text: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent as is, with no JSON encoding (for malformed-body tests). */
  raw?: string;
}

export interface Api {
  token: string | undefined;
  request(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<Res>;
  get(path: string, options?: RequestOptions): Promise<Res>;
  post(path: string, body?: unknown, options?: RequestOptions): Promise<Res>;
  put(path: string, body?: unknown, options?: RequestOptions): Promise<Res>;
  patch(path: string, body?: unknown, options?: RequestOptions): Promise<Res>;
  delete(path: string, options?: RequestOptions): Promise<Res>;
}

/** A small HTTP client over fetch, optionally with a bearer token. */
export function api(baseUrl: string, token?: string): Api {
  async function request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Res> {
    const headers: Record<string, string> = { ...consistencyHeader(baseUrl), ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined = options.raw;
    if (body !== undefined && payload === undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, body: payload });
    keepConsistencyToken(baseUrl, res.headers);
    const text = await res.text();
    let parsed: unknown;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }
  return {
    token,
    request,
    get: (path, options) => request('GET', path, undefined, options),
    post: (path, body, options) => request('POST', path, body, options),
    put: (path, body, options) => request('PUT', path, body, options),
    patch: (path, body, options) => request('PATCH', path, body, options),
    delete: (path, options) => request('DELETE', path, undefined, options),
  };
}
