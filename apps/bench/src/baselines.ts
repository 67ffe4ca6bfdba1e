import path from 'node:path';
import { benchDir } from './paths.js';
import { freePort, type Service, startService } from './processes.js';

export type BaselineName = 'http' | 'express';
export const BASELINES: { name: BaselineName; title: string; file: string }[] = [
  { name: 'http', title: 'node:http', file: 'src/baselines/http.ts' },
  { name: 'express', title: 'Express 4', file: 'src/baselines/express.ts' },
];

/** Starts one baseline with the same workers as the server, pre-building a body of each size. */
export async function startBaseline(name: BaselineName, workers: number, sizes: number[]): Promise<Service> {
  const baseline = BASELINES.find((b) => b.name === name)!;
  const port = await freePort();
  return startService({
    name: baseline.title,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(benchDir, baseline.file)],
    cwd: benchDir,
    url: `http://127.0.0.1:${port}`,
    readyPath: '/',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      WORKERS: String(workers),
      HOST: '127.0.0.1',
      PORT: String(port),
      BENCH_SIZES: [...new Set(sizes)].join(','),
    },
  });
}
