/**
 * The answers of a baseline, built once at start: for each size in BENCH_SIZES (bytes, comma-separated), a
 * JSON body of exactly that size, served at `/<size>`; `/` answers `ok` (readiness).
 */
export function prebuiltBodies(env: NodeJS.ProcessEnv = process.env): Map<string, Buffer> {
  const bodies = new Map<string, Buffer>([['/', Buffer.from('ok')]]);
  for (const size of (env.BENCH_SIZES ?? '').split(',').filter(Boolean).map(Number)) {
    const frame = '{"data":""}';
    const text = size >= frame.length ? `{"data":"${'x'.repeat(size - frame.length)}"}` : 'x'.repeat(size);
    bodies.set(`/${size}`, Buffer.from(text));
  }
  return bodies;
}

/** WORKERS processes (node:cluster), as the server runs. */
export const workerCount = () => Math.max(1, Number(process.env.WORKERS ?? '1') || 1);
