import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Services } from './services/index.js';

/**
 * On first start (no user at all): the configured admin, or outside production an `admin` with a random
 * password printed once, so that the embedded default can be tried without any setup.
 */
export async function ensureFirstUser(services: Services, config: Config, logger: Logger): Promise<void> {
  if (await services.auth.hasUsers()) return;
  if (config.admin) {
    await services.users.create({ ...config.admin, role: 'admin' });
    logger.info({ username: config.admin.username }, 'created the configured admin user');
    return;
  }
  if (config.env === 'production') {
    logger.warn('no user exists: set ADMIN_USERNAME/ADMIN_PASSWORD or run `pnpm cli create-user`');
    return;
  }
  const password = randomBytes(12).toString('base64url');
  await services.users.create({ username: 'admin', password, role: 'admin' });
  // Printed once, on purpose outside the JSON log, for the person who just started the server.
  process.stdout.write(
    `\n  First start: created user "admin" with password "${password}"\n  (set ADMIN_USERNAME/ADMIN_PASSWORD to choose them)\n\n`,
  );
}
