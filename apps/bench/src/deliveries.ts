import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { prepareDatabase } from './database.js';
import { killAll } from './processes.js';
import { BENCH_USER, buildServer, startServer } from './server.js';

/*
 * Webhook delivery throughput (docs/benchmarks.md): the built server with WORKERS processes on the bench database,
 * one webhook to a receiver on 127.0.0.1 that answers 200 at once, and N contacts made by bulk creates (N events);
 * measured from the first delivery to the last distinct one. `pnpm --filter @ccm/bench deliveries [--events N]
 * [--workers N]`; DATABASE_URL as for `pnpm bench`.
 */

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { events: { type: 'string', default: '5000' }, workers: { type: 'string', default: '2' } },
});
const EVENTS = Number(values.events);
const WORKERS = Number(values.workers);
const BULK = 1000;

/** A receiver that counts distinct webhook-ids and notes when the first and the last came. */
async function receiver() {
  const ids = new Set<string>();
  let requests = 0;
  let first = 0;
  let last = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      first ||= performance.now();
      ids.add(String(req.headers['webhook-id']));
      last = performance.now();
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, ids, stats: () => ({ requests, first, last }), server };
}

async function call(base: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { data: Record<string, unknown> };
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json.data;
}

async function main() {
  buildServer();
  const db = await prepareDatabase({
    contacts: 100_000,
    customers: 20_000,
    duration: 0,
    warmup: 0,
    connections: 1,
    workers: WORKERS,
    scenarios: undefined,
    fresh: false,
    replica: undefined,
  });
  const hook = await receiver();
  const server = await startServer(db, WORKERS, { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
  try {
    const { access } = (await call(server.url, undefined, 'POST', '/api/auth/token/', BENCH_USER)) as {
      access: string;
    };
    await call(server.url, access, 'POST', '/api/webhooks/', { url: hook.url, events: ['contact.created'] });
    const started = performance.now();
    for (let made = 0; made < EVENTS; made += BULK) {
      const customer = (await call(server.url, access, 'POST', '/api/customers/', {
        username: `hooks${Date.now()}${made}`,
        email: `hooks${Date.now()}${made}@bench.example.com`,
        first_name: 'Hook',
        last_name: 'Bench',
        nic: `${String(Date.now() + made).slice(-9)}V`,
      })) as { id: number };
      const contacts = Array.from({ length: Math.min(BULK, EVENTS - made) }, (_, i) => ({
        customer: customer.id,
        email: `c${made + i}.${Date.now()}@hooks.example.com`,
        wa_number: `+9477${String(1_000_000 + made + i).slice(-7)}`,
        tp_number: `+94112${String(100_000 + made + i).slice(-6)}`,
      }));
      await call(server.url, access, 'POST', '/api/contacts/bulk-create/', { contacts });
    }
    const written = performance.now();
    while (hook.ids.size < EVENTS) await new Promise((r) => setTimeout(r, 20));
    const { requests, first, last } = hook.stats();
    const seconds = (last - first) / 1000;
    const line = (k: string, v: string) => process.stdout.write(`${k.padEnd(36)} ${v}\n`);
    line('machine', `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`);
    line('database', `${db.dialect} (${db.label}), ${WORKERS} workers`);
    line('events written (bulk creates)', `${EVENTS} in ${((written - started) / 1000).toFixed(2)} s`);
    line('deliveries (distinct / requests)', `${hook.ids.size} / ${requests}`);
    line('first to last delivery', `${seconds.toFixed(2)} s`);
    line('deliveries per second', (EVENTS / seconds).toFixed(0));
    line('last delivery after the last write', `${((last - written) / 1000).toFixed(2)} s`);
  } finally {
    await server.stop();
    hook.server.close();
    db.cleanup();
  }
}

main().catch((err: unknown) => {
  killAll();
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
