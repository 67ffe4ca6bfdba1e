import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { type Args, ArgsError, parse, USAGE } from './args.js';
import { BASELINES, type BaselineName, startBaseline } from './baselines.js';
import { type BenchDatabase, prepareDatabase } from './database.js';
import { load, startBackground } from './load.js';
import { resultsDir, rootDir } from './paths.js';
import { killAll, type Service } from './processes.js';
import { markdown, type Report, type ScenarioReport, table, writeReport } from './report.js';
import { type BenchRequest, SCENARIOS, type Scenario, type ScenarioContext } from './scenarios.js';
import { BENCH_USER, buildServer, serverProblems, startServer } from './server.js';

const tty = process.stdout.isTTY;
/** Rewrites the progress line (on a terminal; elsewhere only finished steps are printed). */
const status = (text: string) => {
  if (tty) process.stdout.write(`\r${text.slice(0, (process.stdout.columns || 120) - 1)}\x1b[K`);
};
const say = (text: string) => process.stdout.write(`${tty ? '\r\x1b[K' : ''}${text}\n`);

async function send(base: string, req: BenchRequest) {
  const res = await fetch(base + req.path, { method: req.method, headers: req.headers, body: req.body });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body };
}

async function signIn(base: string) {
  const res = await send(base, {
    method: 'POST',
    path: '/api/auth/token/',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_USER),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body.toString().slice(0, 300)}`);
  const { data } = JSON.parse(res.body.toString()) as {
    data: { access: string; refresh: string; user: { id: number } };
  };
  return { headers: { authorization: `Bearer ${data.access}` }, refresh: data.refresh, userId: data.user.id };
}

/** Ids of active customers: the newest page and a few random ones. */
async function activeCustomers(base: string, headers: Record<string, string>): Promise<number[]> {
  type Page = { data: { count: number; results: { id: number }[] } };
  const page = async (n: number) => {
    const res = await send(base, {
      method: 'GET',
      path: `/api/customers/?is_active=true&page_size=100&page=${n}`,
      headers,
    });
    if (res.status !== 200) throw new Error(`customers page ${n}: ${res.status} ${res.body.toString().slice(0, 300)}`);
    return JSON.parse(res.body.toString()) as Page;
  };
  const first = await page(1);
  const pages = Math.max(1, Math.ceil(first.data.count / 100));
  const ids = first.data.results.map((c) => c.id);
  for (let i = 0; i < 4 && pages > 1; i++) {
    ids.push(...(await page(1 + Math.floor(Math.random() * pages))).data.results.map((c) => c.id));
  }
  if (ids.length === 0) throw new Error('the database has no active customer');
  return [...new Set(ids)];
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: rootDir, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: rootDir, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

/**
 * One request per read (ten for reads, whose answers vary with the random ids) before the load: checks that
 * the scenario answers 2xx and measures the size of its answer for the baselines.
 */
async function capture(base: string, scenario: Scenario, next: () => BenchRequest) {
  const samples = scenario.write ? 1 : 10;
  let bytes = 0;
  for (let i = 0; i < samples; i++) {
    const res = await send(base, next());
    if (res.status < 200 || res.status > 299) {
      const text = res.body.toString().slice(0, 200);
      if (scenario.name.startsWith('trpc') && res.status === 404)
        return { skipped: `no tRPC endpoint (/trpc answered 404)` };
      return { skipped: `the server answered ${res.status}: ${text}` };
    }
    bytes += res.body.length;
  }
  return { bytes: Math.round(bytes / samples) };
}

function selectScenarios(args: Args): Scenario[] {
  if (!args.scenarios) return SCENARIOS;
  return args.scenarios.map((name) => {
    const s = SCENARIOS.find((x) => x.name === name);
    if (!s) throw new ArgsError(`unknown scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
    return s;
  });
}

/** With --replica: the server reads from the replica's copy of the bench database. */
function replicaEnv(args: Args, db: BenchDatabase): Record<string, string> {
  if (!args.replica) return {};
  if (db.dialect === 'sqlite') throw new ArgsError('--replica needs DATABASE_URL (PostgreSQL or MariaDB)');
  const url = new URL(args.replica);
  url.pathname = new URL(db.url).pathname;
  return { DATABASE_READ_URLS: url.toString() };
}

/** Waits until the server has the replica in rotation (it has replayed the seeding), at most a minute. */
async function replicaInRotation(base: string) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    status('waiting for the replica to be in rotation…');
    const ready = (await (await fetch(`${base}/api/ready/`)).json()) as {
      data?: { replicas?: { state: string }[] };
    };
    if (ready.data?.replicas?.every((r) => r.state === 'up')) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the replica did not come into rotation within a minute (see GET /api/ready/)');
}

async function contextOf(args: Args, base: string): Promise<ScenarioContext> {
  let counter = Math.floor(Math.random() * 5_000_000);
  const ctx: ScenarioContext = {
    ...(await signIn(base)),
    deletable: [],
    credentials: BENCH_USER,
    contacts: args.contacts,
    customers: args.customers,
    activeCustomers: [],
    unique: () => counter++,
    runTag: randomBytes(3).toString('hex'),
  };
  ctx.activeCustomers = await activeCustomers(base, ctx.headers);
  return ctx;
}

type Runnable = { scenario: Scenario; report: ScenarioReport };

/** Every scenario answers, and how big its answers are, before any load. */
async function check(selected: Scenario[], base: string, ctx: ScenarioContext) {
  const reports: ScenarioReport[] = [];
  const runnable: Runnable[] = [];
  for (const scenario of selected) {
    status(`checking ${scenario.name}…`);
    await scenario.prepare?.(ctx, (req) => send(base, req));
    const report: ScenarioReport = { name: scenario.name, title: scenario.title, write: scenario.write };
    const got = await capture(base, scenario, scenario.requests(ctx));
    if ('skipped' in got) {
      report.skipped = got.skipped;
      say(`${scenario.name}: skipped (${got.skipped})`);
    } else {
      report.responseBytes = got.bytes;
      runnable.push({ scenario, report });
    }
    reports.push(report);
  }
  return { reports, runnable };
}

/** One scenario: the server (with its background load, if any), then each baseline with the same load. */
async function measure(
  args: Args,
  { scenario, report }: Runnable,
  step: string,
  server: Service & { lines: string[] },
  baselines: Record<BaselineName, Service>,
  ctx: ScenarioContext,
) {
  const drive = (target: string, url: string, extra: { path?: string; pid: number; settle?: boolean }) =>
    load({
      url,
      connections: scenario.connections ?? args.connections,
      duration: args.duration,
      warmup: args.warmup,
      next: scenario.requests(ctx),
      ...extra,
      progress: (phase, seconds, requests) =>
        status(
          phase === 'warmup'
            ? `${step}: ${target}, warming up (${args.warmup} s)`
            : `${step}: ${target}, ${seconds}/${args.duration} s, ${requests.toLocaleString('en')} answers`,
        ),
    });
  Object.assign(ctx, await signIn(server.url)); // a fresh token pair for each scenario
  const logged = server.lines.length;
  const background =
    scenario.background &&
    startBackground(server.url, scenario.background.connections, scenario.background.requests(ctx));
  report.server = await drive('server', server.url, { pid: server.pid, settle: !background });
  if (background) report.background = await background.stop();
  const problems = serverProblems(server.lines.slice(logged));
  report.serverLog = {
    warnings: problems.filter((p) => p.level < 50).length,
    errors: problems.filter((p) => p.level >= 50).length,
    first: problems.slice(0, 3).map((p) => p.line),
  };
  const path = `/${report.responseBytes}`;
  // A baseline cannot take the background load: comparing with one would say nothing.
  if (!background) {
    report.http = await drive('node:http', baselines.http.url, { path, pid: baselines.http.pid });
    report.express = await drive('Express', baselines.express.url, { path, pid: baselines.express.pid });
  }
  say(
    `${step}: ${report.server.requestsPerSecond.toFixed(1)} req/s, p99 ${report.server.p99} ms, ${report.server.errors} errors` +
      (report.http && report.express
        ? ` (node:http ${report.http.requestsPerSecond.toFixed(0)}, Express ${report.express.requestsPerSecond.toFixed(0)} req/s)`
        : '') +
      (report.background
        ? ` (background: ${report.background.requests} answers, ${report.background.errors} errors)`
        : ''),
  );
}

function finish(args: Args, db: BenchDatabase, reports: ScenarioReport[]) {
  const result: Report = {
    meta: {
      date: new Date().toISOString(),
      commit: commit(),
      node: process.version,
      cpus: `${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
      database: db.label,
      dialect: db.dialect,
      ...(args.replica ? { replica: new URL(args.replica).host } : {}),
      contacts: args.contacts,
      customers: args.customers,
      workers: args.workers,
      connections: args.connections,
      durationSeconds: args.duration,
      warmupSeconds: args.warmup,
    },
    scenarios: reports,
  };
  const files = writeReport(result, resultsDir);
  say('');
  say(table(result));
  const text = markdown(result);
  const notesAt = text.indexOf('## Notes');
  if (notesAt >= 0) say(`\n${text.slice(notesAt).trim()}`);
  say(`\nreport: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

async function bench(args: Args) {
  const selected = selectScenarios(args);
  buildServer();
  let db: BenchDatabase | undefined;
  const services: Service[] = [];
  const interrupted = () => {
    killAll();
    db?.cleanup();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    db = await prepareDatabase(args);
    status('starting the server…');
    const server = await startServer(db, args.workers, replicaEnv(args, db));
    services.push(server);
    if (args.replica) await replicaInRotation(server.url);
    say(`server: ${server.url} (pid ${server.pid}, ${args.workers} worker(s), ${db.dialect})`);
    const ctx = await contextOf(args, server.url);
    const { reports, runnable } = await check(selected, server.url, ctx);
    status('starting the baselines…');
    const sizes = runnable.map((r) => r.report.responseBytes!);
    const baselines = {} as Record<BaselineName, Service>;
    for (const b of BASELINES) {
      baselines[b.name] = await startBaseline(b.name, args.workers, sizes);
      services.push(baselines[b.name]);
    }
    for (const [i, entry] of runnable.entries()) {
      await measure(args, entry, `[${i + 1}/${runnable.length}] ${entry.scenario.name}`, server, baselines, ctx);
    }
    finish(args, db, reports);
  } finally {
    status('stopping…');
    for (const s of services.reverse()) await s.stop();
    db?.cleanup();
    status('');
  }
}

let args: Args | 'help';
try {
  args = parse(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (args === 'help') {
  process.stdout.write(`${USAGE}\n\nScenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
} else {
  bench(args).catch((err) => {
    killAll();
    process.stderr.write(
      `\n${err instanceof ArgsError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
