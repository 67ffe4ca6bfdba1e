import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Sequelize } from 'sequelize';

/**
 * A database server of the test's own (never the shared ones on 5432/3306), so that a fault test may stop it
 * under load and start it again.
 */
export interface PrivateServer {
  /** Base URL, usable like TEST_DATABASE_URL: `postgres://postgres@127.0.0.1:PORT/postgres`, `mariadb://root@127.0.0.1:PORT/`. */
  readonly url: string;
  readonly port: number;
  /** Creates a database on it and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /**
   * Stops it abruptly, as a crash would (PostgreSQL: immediate shutdown, what `pg_ctl stop -m immediate` sends;
   * MariaDB: SIGKILL), and resolves once the port is closed.
   */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder; resolves once it answers queries (after crash recovery). */
  start(): Promise<void>;
  /** Stops it if running and removes its folder. */
  dispose(): Promise<void>;
  /** What the server wrote so far, for a failing test's message. */
  log(): string;
}

export interface TmpfsFolder {
  dir: string;
  /** Fills the free space with a filler file until a write fails with ENOSPC. */
  fill(): Promise<void>;
  /** Removes the filler. */
  free(): Promise<void>;
  /** Unmounts (lazily if still busy) and removes the folder. */
  dispose(): Promise<void>;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const PROBE_TIMEOUT_MS = 3_000;
const LOG_TAIL_CHARS = 4_000;
// A clean environment: nothing of ours (PGPASSWORD, MYSQL_*, HOME's option files) leaks into the servers.
const CHILD_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Synchronous last-resort cleanup for when a test process ends without disposing (failed or interrupted test).
const atExit = new Set<() => void>();
let exitHookInstalled = false;
function cleanUpAtExit(fn: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const cleanup of atExit) {
        try {
          cleanup();
        } catch {
          // best effort: the process is ending anyway
        }
      }
    });
  }
  atExit.add(fn);
  return () => atExit.delete(fn);
}

/**
 * Runs a command as `user` through setpriv rather than runuser: setpriv execs in place (so the pid we hold is the
 * server's own, and signals reach it directly), and its parent-death signal stops the server even when the test
 * process is killed and never runs its cleanup.
 */
function asUser(user: string, deathSignal: NodeJS.Signals, command: string, args: string[]): [string, string[]] {
  return [
    'setpriv',
    [
      `--reuid=${user}`,
      `--regid=${user}`,
      '--init-groups',
      `--pdeathsig=${deathSignal.replace(/^SIG/, '')}`,
      '--',
      command,
      ...args,
    ],
  ];
}

async function run(what: string, [command, args]: [string, string[]], timeoutMs = 60_000): Promise<void> {
  try {
    await execFileAsync(command, args, { env: CHILD_ENV, timeout: timeoutMs, killSignal: 'SIGKILL' });
  } catch (error) {
    const e = error as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${what} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`.trim());
  }
}

/** A port that was free a moment ago; `launch` retries with another if the server then loses the race for it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One short-lived connection; the drivers' own connect timeouts keep a dead server from hanging it. */
async function query(url: string, sql: string): Promise<unknown> {
  const postgres = url.startsWith('postgres');
  const db = new Sequelize(url.replace(/^mysql:/, 'mariadb:'), {
    logging: false,
    pool: { max: 1, min: 0, acquire: PROBE_TIMEOUT_MS },
    dialectOptions: postgres ? { connectionTimeoutMillis: PROBE_TIMEOUT_MS } : { connectTimeout: PROBE_TIMEOUT_MS },
  });
  try {
    const [rows] = await db.query(sql);
    return rows;
  } finally {
    await db.close();
  }
}

interface ServerSpec {
  kind: 'PostgreSQL' | 'MariaDB';
  user: string;
  dir: string;
  logFile: string;
  binary: string;
  args(port: number): string[];
  url(port: number): string;
  /** Also the parent-death signal: PostgreSQL's immediate shutdown (SIGQUIT) still removes its shared memory. */
  stopSignal: NodeJS.Signals;
}

class ManagedServer implements PrivateServer {
  port = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<string> = Promise.resolve('not started');
  private disposed = false;
  private readonly forgetAtExit: () => void;

  constructor(private readonly spec: ServerSpec) {
    this.forgetAtExit = cleanUpAtExit(() => {
      if (this.child?.pid) process.kill(this.child.pid, spec.stopSignal);
      fs.rmSync(spec.dir, { recursive: true, force: true });
    });
  }

  get url(): string {
    return this.spec.url(this.port);
  }

  log(): string {
    try {
      return fs.readFileSync(this.spec.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  private failure(message: string): Error {
    return new Error(`${message}\n--- ${this.spec.kind} log (tail) ---\n${this.log().slice(-LOG_TAIL_CHARS)}`);
  }

  async createDatabase(name: string): Promise<string> {
    // The name goes into SQL unquoted, as in support/database.ts.
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`Unsafe database name: ${name}`);
    await query(this.url, `CREATE DATABASE ${name}`);
    const url = new URL(this.url);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async start(): Promise<void> {
    const { kind } = this.spec;
    if (this.disposed) throw new Error(`${kind} server was disposed`);
    if (this.child) throw new Error(`${kind} server on port ${this.port} is already running`);
    const logFd = fs.openSync(this.spec.logFile, 'a');
    let child: ChildProcess;
    try {
      const [command, args] = asUser(this.spec.user, this.spec.stopSignal, this.spec.binary, this.spec.args(this.port));
      // Output to a file rather than pipes, and unref: the server never keeps the test's event loop alive.
      child = spawn(command, args, {
        cwd: this.spec.dir,
        env: { ...CHILD_ENV, HOME: this.spec.dir },
        stdio: ['ignore', logFd, logFd],
      });
    } finally {
      fs.closeSync(logFd);
    }
    child.unref();
    this.child = child;
    this.exited = new Promise((resolve) => {
      const ended = (how: string) => {
        if (this.child === child) this.child = undefined;
        resolve(how);
      };
      child.once('exit', (code, signal) => ended(signal ? `killed by ${signal}` : `exited with code ${code}`));
      child.once('error', (error) => ended(`could not run: ${error.message}`));
    });

    const deadline = Date.now() + START_TIMEOUT_MS;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.child !== child) throw this.failure(`${kind} on port ${this.port} ${await this.exited} while starting`);
      try {
        // The port first: a refused connection leaves the mariadb driver's connect timer running, which would keep
        // the test process alive for seconds after it is done.
        if (!(await portOpen(this.port))) throw new Error(`port ${this.port} is closed`);
        await withTimeout(query(this.url, 'SELECT 1'), PROBE_TIMEOUT_MS * 2, 'connection attempt timed out');
        return;
      } catch (error) {
        lastError = error;
      }
      await sleep(100);
    }
    child.kill('SIGKILL');
    await withTimeout(this.exited, STOP_TIMEOUT_MS, '').catch(() => {});
    throw this.failure(
      `${kind} on port ${this.port} did not accept connections within ${START_TIMEOUT_MS} ms ` +
        `(last error: ${(lastError as Error | undefined)?.message})`,
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child) {
      child.kill(this.spec.stopSignal);
      const exited = await withTimeout(this.exited, STOP_TIMEOUT_MS, '').catch(() => undefined);
      if (exited === undefined) {
        child.kill('SIGKILL');
        await withTimeout(this.exited, STOP_TIMEOUT_MS, '').catch(() => {
          throw this.failure(`${this.spec.kind} (pid ${child.pid}) did not exit even after SIGKILL`);
        });
      }
    }
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (await portOpen(this.port)) {
      if (Date.now() > deadline) throw this.failure(`Port ${this.port} still accepts connections after stopping`);
      await sleep(50);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      if (this.port) await this.stop();
    } finally {
      if (this.child?.pid) process.kill(this.child.pid, 'SIGKILL');
      fs.rmSync(this.spec.dir, { recursive: true, force: true });
      this.forgetAtExit();
    }
  }
}

/** First start, on a fresh port; retried if another process took the port between `freePort` and the bind. */
async function launch(spec: ServerSpec): Promise<PrivateServer> {
  const server = new ManagedServer(spec);
  for (let attempt = 1; ; attempt++) {
    try {
      server.port = await freePort();
      await server.start();
      return server;
    } catch (error) {
      if (attempt < 3 && /address already in use/i.test((error as Error).message)) continue;
      await server.dispose().catch(() => {});
      throw error;
    }
  }
}

/** A folder the given system user owns (the servers refuse to run as root), removed at exit if not disposed. */
async function ownedTempDir(prefix: string, user: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    await run(`chown ${user} ${dir}`, ['chown', [`${user}:`, dir]]);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/** The postgres server of a data folder, on a port of 127.0.0.1 (its socket in `dir`); `settings`: more `-c`. */
function postgresSpec(dir: string, data: string, settings: string[] = []): ServerSpec {
  const all = ['listen_addresses=127.0.0.1', 'shared_buffers=16MB', 'fsync=on', 'synchronous_commit=on', ...settings];
  return {
    kind: 'PostgreSQL',
    user: 'postgres',
    dir,
    logFile: path.join(dir, 'server.log'),
    binary: `${PG_BIN}/postgres`,
    args: (port) => ['-D', data, '-p', String(port), '-k', dir, ...all.flatMap((setting) => ['-c', setting])],
    url: (port) => `postgres://postgres@127.0.0.1:${port}/postgres`,
    stopSignal: 'SIGQUIT',
  };
}

/** A new PostgreSQL 15 cluster (trust auth, user `postgres`) on a free port of 127.0.0.1. */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const dir = await ownedTempDir('ccm-pg-', 'postgres');
  const data = path.join(dir, 'data');
  try {
    // --no-sync only skips flushing the fresh cluster to disk; the server itself keeps fsync on, so writes it
    // acknowledged survive a process crash (and these tests kill processes, not the machine).
    await run(
      'initdb',
      asUser('postgres', 'SIGKILL', `${PG_BIN}/initdb`, [
        '-D',
        data,
        '--auth=trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--no-sync',
      ]),
    );
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // wal_level=replica and wal senders are PostgreSQL 15's defaults: a streaming replica can follow it.
  return launch(postgresSpec(dir, data, ['wal_level=replica', 'max_wal_senders=4']));
}

/**
 * A hot standby of a private PostgreSQL (`pg_basebackup -R`: it streams the primary's WAL), on a free port of
 * 127.0.0.1, applying each commit `applyDelayMs` after the primary made it (`recovery_min_apply_delay`), as a
 * replica over a real network lags.
 */
export async function startPostgresReplica(primary: PrivateServer, applyDelayMs: number): Promise<PrivateServer> {
  const dir = await ownedTempDir('ccm-pg-replica-', 'postgres');
  const data = path.join(dir, 'data');
  try {
    await run(
      'pg_basebackup',
      asUser('postgres', 'SIGKILL', `${PG_BIN}/pg_basebackup`, [
        ...['-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
        ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres'],
      ]),
    );
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return launch(postgresSpec(dir, data, ['hot_standby=on', `recovery_min_apply_delay=${applyDelayMs}ms`]));
}

/** A new MariaDB data folder (root@127.0.0.1 without password) on a free port of 127.0.0.1. */
export async function startPrivateMariaDB(): Promise<PrivateServer> {
  const dir = await ownedTempDir('ccm-maria-', 'mysql');
  const data = path.join(dir, 'data');
  // Small InnoDB files so that install and start take about a second; durability stays the default (flush at commit).
  // Its own tmpdir: a starting mariadbd deletes the `#sql` files it finds in its tmpdir, which in a shared /tmp are
  // another instance's (an install running beside another failed with "Unknown table 'mysql.tmp_user_sys'").
  const common = [
    `--datadir=${data}`,
    `--tmpdir=${dir}`,
    '--skip-name-resolve',
    '--innodb-log-file-size=8M',
    '--innodb-buffer-pool-size=32M',
  ];
  try {
    // `normal` root authentication creates root@localhost, root@127.0.0.1 and root@::1 with empty passwords.
    await run(
      'mariadb-install-db',
      asUser('mysql', 'SIGKILL', 'mariadb-install-db', [
        '--no-defaults',
        ...common,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ]),
    );
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return launch({
    kind: 'MariaDB',
    user: 'mysql',
    dir,
    logFile: path.join(dir, 'server.log'),
    binary: '/usr/sbin/mariadbd',
    args: (port) => [
      '--no-defaults',
      ...common,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(dir, 'mysqld.sock')}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--innodb-flush-log-at-trx-commit=1',
    ],
    url: (port) => `mariadb://root@127.0.0.1:${port}/`,
    stopSignal: 'SIGKILL',
  });
}

/** The private counterpart of a base URL such as TEST_DATABASE_URL (`postgres…`, `mariadb…` or `mysql…`). */
export function startPrivateServerLike(baseUrl: string): Promise<PrivateServer> {
  if (/^postgres(ql)?:/.test(baseUrl)) return startPrivatePostgres();
  if (/^(mariadb|mysql):/.test(baseUrl)) return startPrivateMariaDB();
  return Promise.reject(new Error(`No private server for ${baseUrl} (only PostgreSQL and MariaDB)`));
}

/** A small tmpfs of its own, so that a test can run SQLite out of disk space without touching the real disk. */
export async function tmpfsFolder(bytes: number): Promise<TmpfsFolder> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-tmpfs-'));
  try {
    await run(`mount tmpfs on ${dir}`, ['mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]]);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const unmount = () => {
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const forgetAtExit = cleanUpAtExit(unmount);
  const filler = path.join(dir, '.filler');
  let disposed = false;
  return {
    dir,
    async fill() {
      const chunk = Buffer.alloc(1024 * 1024);
      const file = await fs.promises.open(filler, 'a');
      try {
        // tmpfs never holds more than its size; going past that means the mount is not what we think it is.
        for (let written = 0; written <= bytes; ) {
          written += (await file.write(chunk, 0, chunk.length)).bytesWritten;
        }
        throw new Error(`Wrote more than ${bytes} bytes into ${dir} without ENOSPC`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await file.close();
      }
    },
    async free() {
      await fs.promises.rm(filler, { force: true });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      unmount();
      forgetAtExit();
    },
  };
}
