import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { type Api, api } from './http.js';
import { JWT_SECRET, PASSWORDS } from './server.js';

const SERVER_DIR = path.resolve(import.meta.dirname, '../..');

/** One JSON log line of the server. */
// biome-ignore lint/suspicious/noExplicitAny: log lines are arbitrary JSON that the tests assert on.
export type LogLine = Record<string, any>;

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  dataDir: string;
  /** The SQLite file it runs on. */
  databaseFile: string;
  /** Everything it wrote to stdout so far, parsed (non-JSON lines are skipped). */
  logs(): LogLine[];
  /** Everything it wrote to stdout so far, as written. */
  output(): string;
  /** Resolves with all of stdout once it matches. */
  waitForOutput(match: RegExp, timeoutMs?: number): Promise<string>;
  stderr(): string;
  /** Resolves when a log line matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** How the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills it if still running and removes its data folder. */
  dispose(): Promise<void>;
}

/**
 * The real server as its own process (`node --import tsx src/main.ts`, as `pnpm dev` runs it), on an
 * ephemeral port of 127.0.0.1 and a new SQLite file, with the test admin. Resolves once it listens.
 */
export async function spawnServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-proc-'));
  const databaseFile = path.join(dataDir, 'ccm.sqlite');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SERVER_DIR,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite:${databaseFile}`,
      JWT_SECRET,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: PASSWORDS.admin,
      LOG_LEVEL: 'info',
      CONSOLE_DIR: path.join(dataDir, 'no-console'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let all = '';
  let err = '';
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    all += chunk;
    out += chunk;
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part));
      } catch {
        // not a log line
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters) wake();
    });
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });

  /** Resolves with what `found` answers once it answers something, as the process writes; fails if it exits. */
  const waitUntil = <T>(found: () => T | undefined, what: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value !== undefined) return done(() => resolve(value));
        if (!running) done(() => reject(new Error(`server exited; stderr:\n${err}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no such ${what} within ${timeoutMs} ms; stderr:\n${err}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 60_000) =>
    waitUntil(() => lines.find(match), 'log line', timeoutMs);
  const waitForOutput = (match: RegExp, timeoutMs = 30_000) =>
    waitUntil(() => (match.test(all) ? all : undefined), 'output', timeoutMs);

  const dispose = async () => {
    if (running) {
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    // The start banner names the address in every log format; JSON logs also say it in their 'listening' line.
    const banner = /API:\s+(\S+)\/api\/\n/.exec(await waitForOutput(/API:\s+\S+\/api\/\n/));
    return {
      url: banner![1]!,
      child,
      dataDir,
      databaseFile,
      logs: () => [...lines],
      output: () => all,
      waitForOutput,
      stderr: () => err,
      waitForLog,
      exited,
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** Signs the test admin in on a server process; answers a client with its access token (fails the test when refused). */
export async function signIn(p: ServerProcess): Promise<Api> {
  const res = await api(p.url).post('/api/auth/token/', { username: 'admin', password: PASSWORDS.admin });
  expect(res.status, res.text).toBe(200);
  return api(p.url, res.body.data.access);
}
