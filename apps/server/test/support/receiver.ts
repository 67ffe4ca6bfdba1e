import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a webhook endpoint received. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the endpoint answers a request: a status, after a delay, with headers. */
export interface Answer {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface Receiver {
  /** The endpoint's URL (its path names the test, for reading). */
  url(path?: string): string;
  received: Received[];
  /** Resolves once `found` answers something, checked at every request; fails after `timeoutMs`. */
  waitFor<T>(found: (received: Received[]) => T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/**
 * A webhook endpoint on 127.0.0.1 that keeps every request and answers as `answer` says (200 by default): the far
 * side of the deliveries, real HTTP.
 */
export async function startReceiver(answer: (r: Received, index: number) => Answer = () => ({ status: 200 })) {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const index = received.push(r) - 1;
      for (const wake of waiters) wake();
      const { status, delayMs = 0, headers = {} } = answer(r, index);
      setTimeout(() => {
        if (!res.destroyed) res.writeHead(status, headers).end(status >= 400 ? 'nope' : 'ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    waitFor: (found, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const value = found(received);
          if (value === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(value);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not received within ${timeoutMs} ms (${received.length} requests so far)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
