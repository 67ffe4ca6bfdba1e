import fs from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load.js';

export interface ScenarioReport {
  name: string;
  title: string;
  write: boolean;
  /** Mean size of the server's answer body, which the baselines answer too. */
  responseBytes?: number;
  server?: LoadResult;
  http?: LoadResult;
  express?: LoadResult;
  /** The unmeasured load that ran meanwhile (a scenario with `background`): its answers and errors. */
  background?: { requests: number; errors: number };
  /** Lines the server logged at warn or error level during the scenario. */
  serverLog?: { warnings: number; errors: number; first: string[] };
  /** Why the scenario did not run. */
  skipped?: string;
}

export interface Report {
  meta: {
    date: string;
    commit: string;
    node: string;
    cpus: string;
    database: string;
    dialect: string;
    /** The read replica the server read from (`host:port`), if any. */
    replica?: string;
    contacts: number;
    customers: number;
    workers: number;
    connections: number;
    durationSeconds: number;
    warmupSeconds: number;
  };
  scenarios: ScenarioReport[];
}

const int = (n: number) => Math.round(n).toLocaleString('en');
const rate = (n: number) => (n < 100 ? n.toFixed(1) : int(n));
const ms = (n: number) => (n < 10 ? n.toFixed(1) : int(n));
const percent = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(a / b < 0.1 ? 2 : 1)}%` : '–');
const mb = (bytes: number) => String(Math.round(bytes / 2 ** 20));

/** The results table, in Markdown (readable as is in a terminal). */
export function table(report: Report): string {
  const head = [
    'scenario',
    'bytes',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU µs/req',
    'node:http req/s',
    'vs node:http',
    'Express req/s',
    'vs Express',
    'peak RSS MB (primary / workers)',
  ];
  const rows = report.scenarios.map((s) => {
    if (!s.server) return [s.name, '', '', '', '', '', '', '', '', '', '', `skipped: ${s.skipped ?? ''}`];
    const { server, http, express } = s;
    const rss = server.rss ? [server.rss.primary, ...server.rss.workers].map(mb).join(' / ') : 'n/a';
    return [
      s.name,
      int(s.responseBytes ?? 0),
      rate(server.requestsPerSecond),
      server.requests > 0 ? ms(server.p50) : '–',
      server.requests > 0 ? ms(server.p99) : '–',
      int(server.errors),
      server.cpuMicrosPerRequest !== undefined ? int(server.cpuMicrosPerRequest) : '–',
      http ? rate(http.requestsPerSecond) : '–',
      http ? percent(server.requestsPerSecond, http.requestsPerSecond) : '–',
      express ? rate(express.requestsPerSecond) : '–',
      express ? percent(server.requestsPerSecond, express.requestsPerSecond) : '–',
      rss,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 || i === widths.length - 1 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}

/** Notes under the table: error breakdowns, what the server logged, skipped scenarios. */
function notes(report: Report): string[] {
  const out: string[] = [];
  for (const s of report.scenarios) {
    if (s.skipped) out.push(`- \`${s.name}\` skipped: ${s.skipped}`);
    for (const [target, r] of [
      ['server', s.server],
      ['node:http', s.http],
      ['Express', s.express],
    ] as const) {
      if (!r || r.errors === 0) continue;
      const codes = Object.entries(r.statusCodes)
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, n]) => `${n} × ${code}`);
      if (r.timeouts) codes.push(`${r.timeouts} timeouts`);
      if (r.connectionErrors) codes.push(`${r.connectionErrors} connection errors`);
      out.push(`- \`${s.name}\` on ${target}: ${int(r.errors)} errors (${codes.join(', ')})`);
    }
    if (s.background) {
      out.push(
        `- \`${s.name}\`: measured while the background load answered ${int(s.background.requests)} requests (${int(s.background.errors)} errors)`,
      );
    }
    if (s.server?.requests === 0) {
      out.push(`- \`${s.name}\`: no answer within the ${report.meta.durationSeconds} s run (try a longer --duration)`);
    }
    if (s.serverLog && s.serverLog.warnings + s.serverLog.errors > 0) {
      out.push(
        `- \`${s.name}\`: the server logged ${s.serverLog.errors} errors and ${s.serverLog.warnings} warnings, first: \`${s.serverLog.first[0]?.slice(0, 300) ?? ''}\``,
      );
    }
  }
  return out;
}

export function markdown(report: Report): string {
  const m = report.meta;
  const lines = [
    `# ccm benchmark, ${m.date}`,
    '',
    `- commit ${m.commit}, Node ${m.node}, ${m.cpus}`,
    `- database: ${m.dialect}, ${m.database}: ${m.contacts.toLocaleString('en')} contacts, ${m.customers.toLocaleString('en')} customers${m.replica ? `; reads from the replica ${m.replica}` : ''}`,
    `- ${m.workers} worker(s) for the server and each baseline; ${m.connections} connections; ${m.durationSeconds} s per run after ${m.warmupSeconds} s of warm-up`,
    '',
    table(report),
    '',
    'req/s: answers per second (any status); p50/p99: latency; errors: non-2xx answers, timeouts and connection',
    'errors; CPU µs/req: the server processes’ CPU time per answer; vs node:http / vs Express: the server’s',
    'req/s as a share of a bare node:http server and of an',
    'Express hello-world answering pre-built bytes of the same size with the same workers; peak RSS: the',
    'highest resident memory of each server process during the scenario.',
  ];
  const n = notes(report);
  if (n.length > 0) lines.push('', '## Notes', '', ...n);
  return `${lines.join('\n')}\n`;
}

/** Writes `<stamp>-<dialect>-<contacts>.md` and `.json` into `dir`; returns their paths. */
export function writeReport(report: Report, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = report.meta.date.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const base = path.join(dir, `${stamp}-${report.meta.dialect}-${report.meta.contacts}`);
  fs.writeFileSync(`${base}.md`, markdown(report));
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  return [`${base}.md`, `${base}.json`];
}
