import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { Services } from './services/index.js';

/** What the first start did about the first user, for the lines a person reads when the server is up. */
export interface FirstUser {
  username: string;
  /** Shown once: the password made up for the embedded default's admin. */
  password?: string;
}

/**
 * On first start (no user at all): the configured admin, or outside production an `admin` with a random
 * password, shown once when the server is up (main.ts), so that the embedded default can be tried without any
 * setup. When users exist, ADMIN_USERNAME/ADMIN_PASSWORD change nothing, and the server says so.
 */
export async function ensureFirstUser(
  services: Services,
  config: Config,
  logger: Logger,
): Promise<FirstUser | undefined> {
  if (await services.auth.hasUsers()) {
    if (config.admin) {
      logger.warn(
        `ADMIN_USERNAME and ADMIN_PASSWORD are used only on a database without users; this one has users. To set a password: pnpm cli reset-password --username ${config.admin.username}`,
      );
    }
    return undefined;
  }
  if (config.admin) {
    await services.users.create({ ...config.admin, role: 'admin' });
    logger.info({ username: config.admin.username }, 'created the configured admin user');
    return { username: config.admin.username };
  }
  if (config.env === 'production') {
    logger.warn('no user exists: set ADMIN_USERNAME/ADMIN_PASSWORD or run `pnpm cli create-user`');
    return undefined;
  }
  const password = randomBytes(12).toString('base64url');
  await services.users.create({ username: 'admin', password, role: 'admin' });
  logger.info({ username: 'admin' }, 'created the first admin user (its password is shown once, below)');
  return { username: 'admin', password };
}

/** The lines a person reads once the server is up: the console, the API and its docs, and the first admin. */
export function banner(url: string, firstUser: FirstUser | undefined, withConsole = false): string {
  const lines = [...(withConsole ? [`  Console: ${url}/`] : []), `  API:   ${url}/api/`, `  Docs:  ${url}/api/docs/`];
  if (firstUser?.password) {
    lines.push(
      `  Admin: "${firstUser.username}", password "${firstUser.password}" (created on this first start; shown once)`,
    );
  } else if (firstUser)
    lines.push(`  Admin: "${firstUser.username}" (created on this first start from ADMIN_USERNAME)`);
  return `\n${lines.join('\n')}\n\n`;
}
