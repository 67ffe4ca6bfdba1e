import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/bench */
export const benchDir = fileURLToPath(new URL('..', import.meta.url));
export const rootDir = path.resolve(benchDir, '../..');
export const serverDir = path.join(rootDir, 'apps/server');
/** Cached databases and the working copy of a run (gitignored). */
export const dataDir = path.join(benchDir, 'data');
/** Reports (gitignored). */
export const resultsDir = path.join(benchDir, 'results');
