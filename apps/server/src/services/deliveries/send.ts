import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isPrivateAddress } from '../outbound.js';
import type { Attempt } from './schedule.js';

/** Of a response, only this much is read (and an excerpt kept): the status is what counts. */
const BODY_LIMIT = 4096;
const EXCERPT = 200;
const USER_AGENT = 'ccm-webhooks/1';

/** Connections are kept open between deliveries to the same endpoint (most deliveries go to a few). */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

const REFUSED = 'refused: the host resolves to a private, loopback or link-local address';

/**
 * A DNS lookup that refuses private addresses, used for the connection itself: a name that resolved to a public
 * address when the webhook was registered and to a private one now (DNS rebinding) is refused here.
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 0);
    if (addresses.some((a) => isPrivateAddress(a.address))) {
      return callback(Object.assign(new Error(REFUSED), { code: 'EPRIVATE' }), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const [first] = addresses;
    return callback(null, first!.address, first!.family);
  });
};

/**
 * POSTs one webhook body: success is a 2xx within `timeoutMs`; redirects are not followed (a 3xx is a failure);
 * the response body is read up to a small limit. Never throws: every failure is an attempt's error.
 */
export function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; allowPrivateNetworks: boolean },
): Promise<Attempt> {
  const started = performance.now();
  const done = (responseStatus: number | null, error: string | null): Attempt => ({
    responseStatus,
    error,
    ms: performance.now() - started,
  });
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateNetworks && isIP(host) && isPrivateAddress(host))
    return Promise.resolve(done(null, REFUSED));
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(target, {
      method: 'POST',
      agent: agents[target.protocol as keyof typeof agents],
      lookup: options.allowPrivateNetworks ? undefined : guardedLookup,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': USER_AGENT,
      },
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    const finish = (attempt: Attempt) => {
      clearTimeout(timer);
      resolve(attempt);
    };
    request.on('error', (err) => finish(done(null, err.message.slice(0, 500))));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let read = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        read += chunk;
        // Enough is known; the rest is not worth the time (the connection is not reused).
        if (read.length > BODY_LIMIT) response.destroy();
      });
      const end = () => {
        if (status >= 200 && status < 300) return finish(done(status, null));
        const what = status >= 300 && status < 400 ? 'redirect not followed' : 'not a 2xx answer';
        const excerpt = read.slice(0, EXCERPT).trim();
        finish(done(status, `HTTP ${status}: ${what}${excerpt ? `: ${excerpt}` : ''}`));
      };
      response.on('end', end);
      response.on('close', end);
      response.on('error', () => {});
    });
    request.end(body);
  });
}
