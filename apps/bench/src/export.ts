import os from 'node:os';
import { parseArgs } from 'node:util';
import { prepareDatabase } from './database.js';
import { killAll } from './processes.js';
import { rssSupported, sampleRss } from './rss.js';
import { BENCH_USER, buildServer, startServer } from './server.js';

/*
 * The export's memory (docs/benchmarks.md): the built server (one process) on the bench database of N contacts,
 * its resident memory sampled every 50 ms while a client downloads GET /api/contacts/export/ of every contact,
 * against its memory after a warm-up export. The bound: under 50 MB of growth at 1,000,000 contacts.
 * `pnpm --filter @ccm/bench export [--contacts N] [--format csv|ndjson] [--read-delay-ms N] [--page-size N]`; DATABASE_URL as
 * for `pnpm bench`. --read-delay-ms makes the client slow (a pause after each chunk it reads): the server must
 * then wait for it rather than hold the file.
 */

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    contacts: { type: 'string', default: '100000' },
    format: { type: 'string', default: 'csv' },
    'read-delay-ms': { type: 'string', default: '0' },
    'page-size': { type: 'string', default: '200' },
  },
});
const CONTACTS = Number(values.contacts);
const DELAY = Number(values['read-delay-ms']);
const LIMIT_MB = 50;
const MB = 1024 * 1024;

/** Downloads an export, throwing its bytes away; resolves with its size and lines. */
async function download(url: string, token: string) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  const reader = res.body!.getReader();
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    for (const b of value) if (b === 10) lines++;
    if (DELAY > 0) await new Promise((r) => setTimeout(r, DELAY));
  }
  return { bytes, lines };
}

async function main() {
  if (!rssSupported) throw new Error('this measure reads /proc: Linux only');
  buildServer();
  const db = await prepareDatabase({
    contacts: CONTACTS,
    customers: Math.max(1, Math.ceil(CONTACTS / 5)),
    duration: 0,
    warmup: 0,
    connections: 1,
    workers: 1,
    scenarios: undefined,
    fresh: false,
    replica: undefined,
  });
  const server = await startServer(db, 1, { EXPORT_PAGE_SIZE: values['page-size'] });
  try {
    const login = await fetch(`${server.url}/api/auth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(BENCH_USER),
    });
    const token = ((await login.json()) as { data: { access: string } }).data.access;
    const url = `${server.url}/api/contacts/export/?format=${values.format}`;
    // The code paths and the connection pool warmed, so that only the export's own memory is measured.
    await download(`${url}&search=warm-up`, token);
    await download(`${url}&customer_id=1`, token);
    const baseline = sampleRss(server.pid).stop()?.primary ?? 0;
    const sampler = sampleRss(server.pid, 50);
    const started = performance.now();
    const { bytes, lines } = await download(url, token);
    const seconds = (performance.now() - started) / 1000;
    const peak = sampler.stop()?.primary ?? 0;
    const growth = (peak - baseline) / MB;
    const line = (k: string, v: string) => process.stdout.write(`${k.padEnd(30)} ${v}\n`);
    line('machine', `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`);
    line('database', `${db.dialect} (${db.label})`);
    line(
      'export',
      `${values.format}, ${lines - (values.format === 'csv' ? 1 : 0)} contacts, ${(bytes / MB).toFixed(1)} MB`,
    );
    line(
      'time',
      `${seconds.toFixed(2)} s (${Math.round(lines / seconds)} lines/s, ${(bytes / MB / seconds).toFixed(1)} MB/s)`,
    );
    line('server RSS before', `${(baseline / MB).toFixed(1)} MB`);
    line('server RSS peak during', `${(peak / MB).toFixed(1)} MB`);
    line('growth', `${growth.toFixed(1)} MB (bound: ${LIMIT_MB} MB) ${growth < LIMIT_MB ? 'ok' : 'OVER'}`);
    if (growth >= LIMIT_MB) process.exitCode = 1;
  } finally {
    await server.stop();
    db.cleanup();
  }
}

main().catch((err: unknown) => {
  killAll();
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
