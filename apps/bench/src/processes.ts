import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

/** A free TCP port on 127.0.0.1 (free when asked: the process that takes it binds it a moment later). */
export function freePort(): Promise<number> {
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

/** Runs a command to its end with its output on ours; throws when it fails. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status}`})`);
  }
}

export interface Service {
  name: string;
  url: string;
  /** Pid of the process started (the cluster primary when there are workers). */
  pid: number;
  /** Every line the process printed, in order. */
  lines: string[];
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Ends every process still running (on an interrupted run). */
export function killAll() {
  for (const child of children) child.kill('SIGTERM');
}

/**
 * Starts a long-running process and waits until `readyPath` answers 2xx (fails if it exits first or takes
 * longer than `timeoutMs`).
 */
export async function startService(options: {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  url: string;
  readyPath: string;
  timeoutMs?: number;
}): Promise<Service> {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
    });
  };
  collect(child.stdout!);
  collect(child.stderr!);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`${options.name} exited (code ${exitCode}) before it was ready:\n${lines.slice(-30).join('\n')}`);
    }
    try {
      const res = await fetch(options.url + options.readyPath, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${options.name} was not ready after ${options.timeoutMs ?? 120_000} ms:\n${lines.slice(-30).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    name: options.name,
    url: options.url,
    pid: child.pid!,
    lines,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
