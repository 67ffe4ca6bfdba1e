import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { freshDatabase } from './support/database.js';
import { customerBody } from './support/factories.js';
import { PASSWORDS } from './support/server.js';

describe('WORKERS', () => {
  it('is 1 by default, a number, or one per CPU for 0 and auto', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ WORKERS: '0' }).workers).toBe(os.availableParallelism());
    expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(os.availableParallelism());
    expect(() => loadConfig({ WORKERS: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKERS: '-1' })).toThrow(ConfigError);
  });

  it('runs a primary that prepares the database once and workers that share the port, and stops on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-workers-'));
    const database = await freshDatabase(dataDir);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        WORKERS: '2',
        WORKER_HEAP_LIMIT_MB: '144',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD: PASSWORDS.admin,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 50_000;
      while (!output.includes('"workers":2')) {
        if (Date.now() > deadline) throw new Error(`not listening:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      // Each worker (a child of the primary) runs with the V8 heap limit of WORKER_HEAP_LIMIT_MB.
      const workers = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ');
      expect(workers).toHaveLength(2);
      for (const pid of workers) {
        expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('--max-old-space-size=144');
      }
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/token/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORDS.admin }),
      });
      expect(login.status).toBe(200);
      // Writes from both workers at once: on SQLite they take turns from the primary (db/write-turns.ts).
      const token = ((await login.json()) as { data: { access: string } }).data.access;
      const created = await Promise.all(
        Array.from({ length: 40 }, () =>
          fetch(`http://127.0.0.1:${port}/api/customers/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(customerBody()),
          }).then(async (res) => ({
            status: res.status,
            id: ((await res.json()) as { data?: { id: number } }).data?.id,
          })),
        ),
      );
      expect(created.map((c) => c.status)).toEqual(created.map(() => 201));
      expect(new Set(created.map((c) => c.id)).size).toBe(40);
      // /metrics answers for all workers, whichever one the scrape reaches: six requests spread over two
      // workers count six, on every scrape.
      for (let i = 0; i < 6; i++) expect((await fetch(`http://127.0.0.1:${port}/api/health/`)).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).toContain('http_requests_total{method="GET",route="/api/health/",status="200"} 6');
      }
      const lines = output.split('\n').filter(Boolean);
      // Migrated and the admin made once, by the primary; each worker says it listens.
      expect(lines.filter((l) => l.includes('applied migrations'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('created the configured admin user'))).toHaveLength(1);
      expect(lines.filter((l) => l.includes('"database"') && l.includes('listening'))).toHaveLength(2);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    expect(output.split('\n').filter((l) => l.includes('"msg":"stopped"'))).toHaveLength(3);
  }, 90_000);
});
