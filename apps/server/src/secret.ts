import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * The token signing key. Configured (and required in production, see config.ts), or, for the zero-setup
 * default, generated once and kept in DATA_DIR so that tokens survive a restart and every process shares it.
 */
export function signingSecret(config: Config): Uint8Array {
  if (config.jwt.secret) return new TextEncoder().encode(config.jwt.secret);
  const file = path.join(config.dataDir, 'jwt-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return new TextEncoder().encode(fs.readFileSync(file, 'utf8').trim());
}
