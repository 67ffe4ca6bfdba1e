import { hash, verify } from '@node-rs/argon2';
import { concurrencyLimit } from '../concurrency.js';

// argon2id with the library's defaults (19 MiB, 2 passes): OWASP's recommended minimum.

/**
 * At most the pool's size less two hashes at once (2 by default). Each runs on libuv's thread pool (4 threads
 * unless UV_THREADPOOL_SIZE says) with 19 MiB of its own: a burst of logins would otherwise take every pool
 * thread, so that node-sqlite3's statements, which run there too, wait behind them, and the allocator would keep
 * each hash's memory after (figures: docs/benchmarks.md).
 */
const limited = concurrencyLimit(Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2));

export const hashPassword = (password: string) => limited(() => hash(password));

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await limited(() => verify(stored, password));
  } catch {
    return false;
  }
}

/** Verified against when the username is unknown, so that both failures take the same time. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => {
  decoy ??= hashPassword('decoy password that matches nothing');
  return decoy;
};
