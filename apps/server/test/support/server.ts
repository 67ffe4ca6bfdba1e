import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { freshDatabase } from './database.js';
import { type Api, api } from './http.js';
import { JWT_SECRET } from './secret.js';

export const PASSWORDS = { admin: 'admin-password-1', staff: 'staff-password-1', viewer: 'viewer-password-1' };
export { JWT_SECRET } from './secret.js';

export interface TestServer {
  url: string;
  server: RunningServer;
  /** Requests without a token. */
  anon: Api;
  admin: Api;
  staff: Api;
  viewer: Api;
  dataDir: string;
  /** The DATABASE_URL the server runs on, for tests that go around it. */
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * The real app on an ephemeral port of 127.0.0.1, on a fresh database (an SQLite file in a new temporary
 * folder, or a new database on the server TEST_DATABASE_URL names), with one signed-in user per role.
 * The login throttle and the rate limit are set high enough for any suite (`env` can lower them); `logger`
 * replaces the one the configuration would make (to read the logs).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-test-'));
  const database = await freshDatabase(dataDir);
  // TEST_READ_REPLICA_URL: a streaming replica of TEST_DATABASE_URL's server, which every server of the suite then
  // reads from (its copy of the same database): the suite run by hand against a lagging replica (docs/testing.md).
  const replica = process.env.TEST_READ_REPLICA_URL;
  const replicaEnv =
    replica && !database.url.startsWith('sqlite:')
      ? { DATABASE_READ_URLS: Object.assign(new URL(replica), { pathname: new URL(database.url).pathname }).href }
      : {};
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    JWT_SECRET,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: PASSWORDS.admin,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    LOGIN_MAX_FAILURES: '10000',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    // No console unless a test asks for it (apps/web's tests do): `/` answers the same whether it is built or not.
    CONSOLE_DIR: path.join(dataDir, 'no-console'),
    ...replicaEnv,
    ...env,
  });
  const server = await startServer(config, options.logger);
  // A second server on the same database (env's DATABASE_URL) finds them made.
  if (!(await server.store.users.byUsername('staff'))) {
    await server.services.users.create({ username: 'staff', password: PASSWORDS.staff, role: 'staff' });
    await server.services.users.create({ username: 'viewer', password: PASSWORDS.viewer, role: 'viewer' });
  }

  const anon = api(server.url);
  const signIn = async (username: keyof typeof PASSWORDS) => {
    const res = await anon.post('/api/auth/token/', { username, password: PASSWORDS[username] });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    return api(server.url, res.body.data.access);
  };
  const [admin, staff, viewer] = await Promise.all([signIn('admin'), signIn('staff'), signIn('viewer')]);
  return {
    url: server.url,
    server,
    anon,
    admin,
    staff,
    viewer,
    dataDir,
    databaseUrl: config.database.url,
    async close() {
      await server.close(1000);
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
