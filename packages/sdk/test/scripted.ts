/**
 * A scripted HTTP server on 127.0.0.1 (an ephemeral port): each request gets the next scripted answer (a status
 * with headers and a body, or a dropped connection), and is recorded with its headers, body and arrival time.
 * For what the real server cannot be made to do on cue: a 429 with `Retry-After`, a 503 every time...
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ScriptedAnswer =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { drop: true }
  | { hang: true };

export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string's parameters. */
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next requests with these, in order; after them, `fallback` (a 200 envelope by default). */
  script(...answers: ScriptedAnswer[]): void;
  /** The answer of every request once the script is used up. */
  fallback: ScriptedAnswer;
  /** Forgets the script and the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** A success envelope, as the real server answers. */
export const ok = (data: unknown, status = 200, headers: Record<string, string> = {}): ScriptedAnswer => ({
  status,
  headers,
  body: { success: true, message: 'OK', data },
});

/** An error envelope. */
export const fail = (status: number, headers: Record<string, string> = {}, extra: object = {}): ScriptedAnswer => ({
  status,
  headers,
  body: { success: false, message: `Scripted ${status}.`, ...extra },
});

export async function startScriptedServer(): Promise<ScriptedServer> {
  const queue: ScriptedAnswer[] = [];
  const requests: RecordedRequest[] = [];
  const state: ScriptedServer = {
    url: '',
    requests,
    fallback: ok({ status: 'ok' }),
    script: (...answers) => {
      queue.push(...answers);
    },
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { pathname: path, searchParams: query } = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? 'GET', path, query, headers: req.headers, body, at: performance.now() });
      answer(res, queue.shift() ?? state.fallback);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = state.close;
  state.close = async () => {
    server.closeAllConnections();
    await close();
  };
  return state;
}

function answer(res: http.ServerResponse, scripted: ScriptedAnswer) {
  if ('drop' in scripted) return void res.socket?.destroy();
  if ('hang' in scripted) return;
  const text = scripted.body === undefined ? '' : JSON.stringify(scripted.body);
  res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
  res.end(text);
}
