// `pnpm start` and `pnpm cli`: builds the server quietly (the build's output is shown only when it fails), then
// runs it here, in the repository's root (where `.env` and the default `data/` folder are), its output and its
// exit code its own. Ctrl-C reaches the server too (the terminal signals the whole group): it shuts down
// gracefully and this exits with it.
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const [entry, ...args] = process.argv.slice(2);
if (entry !== 'main' && entry !== 'cli') {
  process.stderr.write('usage: node scripts/server.mjs main|cli [arguments]\n');
  process.exit(2);
}

const turbo = path.join(root, 'node_modules', '.bin', 'turbo');
const build = spawnSync(
  turbo,
  ['run', 'build', '--filter=@ccm/server...', '--filter=@ccm/web', '--output-logs=errors-only'],
  {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  },
);
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? `${build.error.message}\n` : ''}`);
  process.stderr.write('The server did not build (above). Did `pnpm install` finish?\n');
  process.exit(build.status ?? 1);
}

// The server's one process gets the old-space limit its workers get (WORKER_HEAP_LIMIT_MB): V8 otherwise lets an
// export's garbage pile up (docs/benchmarks.md, "Export memory"). The rule is the server's own (config.ts).
const { heapLimitFlagsFor } = await import(new URL('../apps/server/dist/config.js', import.meta.url).href);
const heapFlags = entry === 'main' ? heapLimitFlagsFor(process.env) : [];
const server = spawn(
  process.execPath,
  [...heapFlags, path.join(root, 'apps', 'server', 'dist', `${entry}.js`), ...args],
  {
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
