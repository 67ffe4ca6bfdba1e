import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchDatabase } from './database.js';
import { dataDir, rootDir, serverDir } from './paths.js';
import { freePort, run, type Service, startService } from './processes.js';

/** The user the benchmark signs in as (made by the server on its first start on a database with no user). */
export const BENCH_USER = { username: 'bench', password: 'bench-password-0123456789' };

/** Builds the server and what it depends on, as `pnpm start` does. */
export function buildServer() {
  process.stdout.write('build: pnpm turbo run build --filter=@ccm/server...\n');
  run('pnpm', ['turbo', 'run', 'build', '--filter=@ccm/server...', '--output-logs=errors-only'], { cwd: rootDir });
}

/** The built server's heap-limit flags for one process (apps/server/src/config.ts#heapLimitFlagsFor). */
async function serverHeapFlags(): Promise<string[]> {
  const config = (await import(pathToFileURL(path.join(serverDir, 'dist', 'config.js')).href)) as {
    heapLimitFlagsFor(env: NodeJS.ProcessEnv): string[];
  };
  return config.heapLimitFlagsFor(process.env);
}

/**
 * Starts the built server as in production: NODE_ENV=production with a random 48-byte JWT_SECRET, WORKERS
 * processes, warnings and errors logged only, on 127.0.0.1 and a free port; rate limits off (every request
 * comes from one address and one user).
 */
export async function startServer(
  db: BenchDatabase,
  workers: number,
  env: Record<string, string> = {},
): Promise<Service> {
  const port = await freePort();
  const runDir = path.join(dataDir, `server-${process.pid}`);
  fs.mkdirSync(runDir, { recursive: true });
  const service = await startService({
    name: 'server',
    command: process.execPath,
    // One process gets the workers' old-space limit, as under `pnpm start` (the server's own rule).
    args: [...(workers === 1 ? await serverHeapFlags() : []), 'dist/main.js'],
    cwd: serverDir,
    url: `http://127.0.0.1:${port}`,
    readyPath: '/api/ready/',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      JWT_SECRET: randomBytes(48).toString('base64url'),
      WORKERS: String(workers),
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: runDir,
      DATABASE_URL: db.url,
      DATABASE_READ_URLS: '',
      ADMIN_USERNAME: BENCH_USER.username,
      ADMIN_PASSWORD: BENCH_USER.password,
      // No limit: the load comes from one address and one user.
      RATE_LIMIT_PER_MINUTE: '0',
      LOGIN_MAX_FAILURES: '0',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '0',
      REDIS_URL: '',
      ...env,
    },
  });
  const stop = service.stop;
  return {
    ...service,
    async stop() {
      await stop();
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** The lines the server logged at level warn (40) or above, as pino JSON. */
export function serverProblems(lines: string[]): { level: number; msg: string; line: string }[] {
  const found: { level: number; msg: string; line: string }[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) {
      if (line.trim()) found.push({ level: 50, msg: line.slice(0, 200), line });
      continue;
    }
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) >= 40) found.push({ level: entry.level ?? 0, msg: entry.msg ?? '', line });
    } catch {
      found.push({ level: 50, msg: line.slice(0, 200), line });
    }
  }
  return found;
}
