import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawConnection } from './support/database.js';
import { startPrivateServerLike, tmpfsFolder } from './support/private-db.js';

// Self-test of the fault-test helpers: only the one matching TEST_DATABASE_URL runs (unset or sqlite: tmpfs).

const base = process.env.TEST_DATABASE_URL;
const sqlite = !base || base.startsWith('sqlite');

describe.skipIf(sqlite)('private database server', () => {
  it('keeps an acknowledged row across an abrupt stop and a restart', async () => {
    const server = await startPrivateServerLike(base ?? '');
    try {
      expect(server.url).toContain(`127.0.0.1:${server.port}`);
      const url = await server.createDatabase('private_selftest');
      const db = rawConnection(url);
      try {
        await db.query('CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR(20))');
        await db.query("INSERT INTO t (id, v) VALUES (1, 'kept')");
      } finally {
        await db.close();
      }

      await server.stop();
      const down = rawConnection(url);
      try {
        await expect(down.query('SELECT 1')).rejects.toThrow();
      } finally {
        await down.close();
      }

      await server.start();
      const again = rawConnection(url);
      try {
        const [rows] = await again.query('SELECT v FROM t WHERE id = 1');
        expect(rows).toEqual([{ v: 'kept' }]);
      } finally {
        await again.close();
      }
    } finally {
      await server.dispose();
    }
  });
});

describe.skipIf(!sqlite)('tmpfs folder', () => {
  it('runs out of space on fill and recovers on free', async () => {
    const folder = await tmpfsFolder(4 * 1024 * 1024);
    try {
      fs.writeFileSync(path.join(folder.dir, 'before'), 'x'.repeat(10_000));
      await folder.fill();
      let code: string | undefined;
      try {
        fs.writeFileSync(path.join(folder.dir, 'more'), 'x'.repeat(10_000));
      } catch (error) {
        code = (error as NodeJS.ErrnoException).code;
      }
      expect(code).toBe('ENOSPC');
      await folder.free();
      fs.writeFileSync(path.join(folder.dir, 'after'), 'x'.repeat(10_000));
      expect(fs.readFileSync(path.join(folder.dir, 'before'), 'utf8')).toHaveLength(10_000);
    } finally {
      await folder.dispose();
    }
    expect(fs.existsSync(folder.dir)).toBe(false);
  });
});
