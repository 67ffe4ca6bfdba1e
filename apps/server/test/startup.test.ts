import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, spawnServer } from './support/process.js';

// The first minutes of a newcomer: a server that cannot start says why in at most three lines on stderr,
// with no stack trace, and exits non-zero; one that starts ends with the lines a person reads (the API, the
// docs, the first admin); Ctrl-C ends it quietly with 0. The server runs as its own process, as `pnpm start`
// runs it (src/main.ts).

const SERVER_DIR = path.resolve(import.meta.dirname, '..');
/** tsx's loader by path: the server may start in a folder with no node_modules (the .env test). */
const TSX = pathToFileURL(path.join(SERVER_DIR, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\))$/;

/** Runs the server with `env` until it exits: its exit code, stdout and stderr. */
function run(env: Record<string, string>, cwd = SERVER_DIR) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-startup-'));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, path.join(SERVER_DIR, 'src/main.ts')], {
      cwd,
      env: {
        PATH: process.env.PATH,
        TSX_TSCONFIG_PATH: path.join(SERVER_DIR, 'tsconfig.json'),
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

/** A file, under which no folder can be made. */
const aFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-file-')), 'a-file');
fs.writeFileSync(aFile, '');
let busy: net.Server;
let busyPort: number;
beforeAll(async () => {
  busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

const server = process.env.TEST_DATABASE_URL;
const postgres = server?.startsWith('postgres') ? server : 'postgres://postgres@127.0.0.1:5432';
const mariadb = server?.match(/^(mariadb|mysql)/) ? server : 'mariadb://root@127.0.0.1:3306';
const on = (base: string, database: string) => {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
};

describe('a server that cannot start', () => {
  const cases: [string, () => Record<string, string>, RegExp][] = [
    ['an unknown DATABASE_URL scheme', () => ({ DATABASE_URL: 'oracle://db/ccm' }), /DATABASE_URL/],
    [
      'a PostgreSQL database that does not exist',
      () => ({ DATABASE_URL: on(postgres, 'ccm_no_such_db') }),
      /does not exist/,
    ],
    [
      'a MariaDB database that does not exist',
      () => ({ DATABASE_URL: on(mariadb, 'ccm_no_such_db') }),
      /does not exist/,
    ],
    [
      'a database server that is not running',
      () => ({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/ccm' }),
      /Cannot reach/,
    ],
    ['a port in use', () => ({ PORT: String(busyPort) }), /Port \d+ is already in use/],
    [
      'a data folder that cannot be written',
      () => ({ DATA_DIR: `${aFile}/data` }),
      /Cannot write to .*\/data \(ENOTDIR\)/,
    ],
    [
      'an SQLite file where no folder can be made',
      () => ({ DATABASE_URL: `sqlite:${aFile}/db/ccm.sqlite` }),
      /Cannot write to .*\/db|SQLite/,
    ],
    ['a port that is not a number', () => ({ PORT: 'eighty' }), /PORT: a port number/],
    ['a first admin password too short', () => ({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' }), /ADMIN_PASSWORD/],
  ];

  it.each(cases)('%s: a non-zero exit and at most 3 lines on stderr, no stack trace', async (_, env, says) => {
    const { code, stderr } = await run(env());
    expect(code).not.toBe(0);
    const lines = stderr.trimEnd().split('\n');
    expect(lines.length, stderr).toBeLessThanOrEqual(3);
    expect(
      lines.filter((l) => STACK_FRAME.test(l)),
      stderr,
    ).toEqual([]);
    expect(stderr).toMatch(says);
  });

  it('shows the stack of an unforeseen failure only with LOG_LEVEL=debug', async () => {
    const quiet = await run({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/ccm', LOG_LEVEL: 'debug' });
    expect(quiet.code).not.toBe(0);
    // Foreseen: explained, and the stack too at debug.
    expect(quiet.stderr).toMatch(/Cannot reach/);
    expect(quiet.stderr.split('\n').some((l) => STACK_FRAME.test(l))).toBe(true);
  });
});

describe('a server that starts', () => {
  let p: ServerProcess;
  beforeAll(async () => {
    p = await spawnServer({ ADMIN_USERNAME: '', ADMIN_PASSWORD: '', NODE_ENV: 'development', LOG_FORMAT: 'json' });
  });
  afterAll(() => p.dispose());

  it('ends its start with the API, the docs and the first admin, and the admin can sign in', async () => {
    const out = await p.waitForOutput(/Admin: "admin", password "([^"]+)"/);
    expect(out).toContain(`  API:   ${p.url}/api/`);
    expect(out).toContain(`  Docs:  ${p.url}/api/docs/`);
    const password = /Admin: "admin", password "([^"]+)"/.exec(out)?.[1];
    const login = await fetch(`${p.url}/api/auth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
  });

  it('answers / and /api/ with the way to the docs, never a 404', async () => {
    const root = await fetch(`${p.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/api/docs/');
    const index = await fetch(`${p.url}/api/`);
    expect(index.status).toBe(200);
    const body = (await index.json()) as { data: unknown };
    expect(body.data).toMatchObject({ docs: '/api/docs/', openapi: '/api/openapi.json' });
  });

  it('on Ctrl-C (SIGINT): shuts down gracefully, exits 0, nothing on stderr', async () => {
    p.child.kill('SIGINT');
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.stderr()).toBe('');
  });
});

describe('configuration from .env', () => {
  it('is read from the folder the server starts in; the environment wins over it', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-dotenv-'));
    fs.writeFileSync(path.join(folder, '.env'), '# a comment\nDATABASE_URL=oracle://from-the-file\n');
    const fromFile = await run({}, folder);
    expect(fromFile.code).not.toBe(0);
    expect(fromFile.stderr).toMatch(/DATABASE_URL: use sqlite/);
    const overridden = await run({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/ccm' }, folder);
    expect(overridden.stderr).toMatch(/Cannot reach/);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});

describe('logs for a person', () => {
  it('LOG_FORMAT=pretty (the default on a terminal): a line of text per event, no JSON', async () => {
    const server = await spawnServer({ LOG_FORMAT: 'pretty' });
    server.child.kill('SIGINT');
    const { code } = await server.exited;
    await server.dispose();
    const p = { code, out: server.output() };
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/INFO.*listening/);
    expect(p.out).toMatch(/INFO.*stopped/);
    expect(p.out.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
  });
});
