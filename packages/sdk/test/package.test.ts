/**
 * The SDK as its users get it: the built package (pnpm build first; turbo runs it before this test) packed into a
 * tarball, installed into a fresh project in the temp folder with nothing else from the monorepo, then
 * type-checked (a correct app compiles, a wrong one does not) and run against a live server as ESM and CommonJS.
 * Needs the npm registry (for @ts-rest/core, zod, the tRPC client and typescript); takes about half a minute.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { API_VERSION } from '@ccm/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORDS, startTestServer, type TestServer } from './support.js';

const run = promisify(execFile);
const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(sdkDir, 'test', 'fixtures');
const attw = path.join(sdkDir, 'node_modules', '.bin', 'attw');

let server: TestServer;
let work: string;
let tarball: string;
let app: string;
const timings: Record<string, number> = {};

/** Runs a command without blocking this process (the server under test lives in it) and times it. */
async function timed(label: string, file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const started = Date.now();
  try {
    return await run(file, args, { cwd, env: { ...process.env, ...env }, timeout: 150_000, maxBuffer: 16 << 20 });
  } finally {
    timings[label] = Date.now() - started;
  }
}

/** The exit status and output of a command that may fail. */
async function attempt(label: string, file: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await timed(label, file, args, cwd);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'trpc.js', 'trpc.cjs']) {
    if (!fs.existsSync(path.join(sdkDir, 'dist', file)))
      throw new Error(`dist/${file} is missing: run pnpm build first`);
  }
  server = await startTestServer();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ccm-sdk-package-'));
});

afterAll(async () => {
  await server?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
  console.info(`packaging test timings (ms): ${JSON.stringify(timings)}`);
});

describe('the packed SDK', () => {
  it('packs dist, the README and a manifest with public dependencies only', async () => {
    // pnpm pack, not npm pack: it turns `catalog:` and `workspace:` into real versions.
    await timed('pack', 'pnpm', ['pack', '--pack-destination', work], sdkDir);
    const packed = fs.readdirSync(work).filter((f) => f.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = path.join(work, packed[0] as string);

    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean).sort();
    // The declarations the entry points share are in chunks, named by their content's hash.
    const chunks = files.filter((f) => /^package\/dist\/[\w-]+-[\w-]{8}\.d\.c?ts$/.test(f));
    expect(chunks.length % 2).toBe(0);
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.filter((f) => f.endsWith('.d.cts'))).toHaveLength(chunks.length / 2);
    expect(files.filter((f) => !chunks.includes(f))).toEqual([
      'package/CHANGELOG.md',
      'package/LICENSE',
      'package/README.md',
      'package/dist/import.cjs',
      'package/dist/import.cjs.map',
      'package/dist/import.d.cts',
      'package/dist/import.d.ts',
      'package/dist/import.js',
      'package/dist/import.js.map',
      'package/dist/index.cjs',
      'package/dist/index.cjs.map',
      'package/dist/index.d.cts',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/dist/index.js.map',
      'package/dist/trpc.cjs',
      'package/dist/trpc.cjs.map',
      'package/dist/trpc.d.cts',
      'package/dist/trpc.d.ts',
      'package/dist/trpc.js',
      'package/dist/trpc.js.map',
      'package/import/package.json',
      'package/package.json',
      'package/trpc/package.json',
    ]);
    const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout);
    expect(manifest).toMatchObject({ license: 'MIT', version: API_VERSION });
    const dependencies: Record<string, string> = manifest.dependencies;
    expect(Object.keys(dependencies).filter((name) => name.startsWith('@ccm/'))).toEqual([]);
    for (const [name, range] of Object.entries(dependencies)) expect(range, name).toMatch(/^[~^]?\d/);
    expect(manifest.peerDependencies).toBeUndefined();
    expect(manifest.sideEffects).toBe(false);

    // The bundle carries the contract (and the tRPC router's type): no import of a private package is left in the
    // code or the types. Only the tRPC entry point's code imports tRPC.
    const dist = files.filter((f) => /\.(c?js|d\.c?ts)$/.test(f));
    for (const file of dist) {
      const text = (await run('tar', ['-xzOf', tarball, file], { maxBuffer: 16 << 20 })).stdout;
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      expect(code.length, file).toBeGreaterThan(1000);
      expect(code, file).not.toMatch(/(from\s*|require\(\s*|import\(\s*)['"]@ccm\//);
      const importsTrpc = /(from\s*|require\(\s*|import\(\s*)['"]@trpc\/client/.test(code);
      const importsPapa = /(from\s*|require\(\s*|import\(\s*)['"]papaparse/.test(code);
      if (/dist\/index\.c?js$/.test(file)) expect([importsTrpc, importsPapa], file).toEqual([false, false]);
      if (/dist\/trpc\.c?js$/.test(file)) expect([importsTrpc, importsPapa], file).toEqual([true, false]);
      if (/dist\/import\.c?js$/.test(file)) expect([importsTrpc, importsPapa], file).toEqual([false, true]);
    }
    // Packing builds both entry points with their declarations first: slow on a busy machine.
  }, 150_000);

  it('has types that resolve in every module mode (arethetypeswrong)', async () => {
    const { code, output } = await attempt('attw', attw, [tarball, '--format', 'table-flipped'], sdkDir);
    expect(code, output).toBe(0);
    expect(output).toContain('No problems found');
  });

  it('installs into a fresh project with nothing else from the monorepo', async () => {
    app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'ccm-sdk-consumer', private: true, type: 'module' }, null, 2),
    );
    for (const file of fs.readdirSync(fixtures)) fs.copyFileSync(path.join(fixtures, file), path.join(app, file));

    await timed(
      'npm install',
      'npm',
      ['install', tarball, 'typescript@5.9', '--no-audit', '--no-fund', '--loglevel=error'],
      app,
    );
    expect(fs.readdirSync(path.join(app, 'node_modules', '@ccm'))).toEqual(['sdk']);
    expect(fs.existsSync(path.join(app, 'node_modules', '@ts-rest', 'core'))).toBe(true);
  }, 150_000);

  it('type-checks an app that uses it, from ESM and from CommonJS (strict, library types checked too)', async () => {
    const tsc = path.join(app, 'node_modules', '.bin', 'tsc');
    const { code, output } = await attempt('tsc usage', tsc, ['-p', 'tsconfig.json'], app);
    expect(code, output).toBe(0);
  }, 150_000);

  it('rejects misuse at compile time: each marked line, and only those', async () => {
    const tsc = path.join(app, 'node_modules', '.bin', 'tsc');
    const { code, output } = await attempt('tsc misuse', tsc, ['-p', 'tsconfig.misuse.json'], app);
    expect(code).not.toBe(0);
    const marked = fs
      .readFileSync(path.join(app, 'misuse.ts'), 'utf8')
      .split('\n')
      .flatMap((line, i) => (line.includes('// MISUSE') ? [i + 1] : []));
    const failing = [...new Set([...output.matchAll(/misuse\.ts\((\d+),\d+\): error/g)].map((m) => Number(m[1])))];
    expect(marked.length).toBe(7);
    expect(
      failing.sort((a, b) => a - b),
      output,
    ).toEqual(marked);
  }, 150_000);

  it('runs against a live server as an ES module and as CommonJS', async () => {
    const env = { CCM_URL: server.url, CCM_PASSWORD: PASSWORDS.admin };
    const esm = await timed('node run.mjs', process.execPath, ['run.mjs'], app, { ...env, CCM_TAG: '111111111' });
    const cjs = await timed('node run.cjs', process.execPath, ['run.cjs'], app, { ...env, CCM_TAG: '222222222' });
    const missing = { status: 404, message: 'Contact not found.' };
    expect(JSON.parse(esm.stdout)).toEqual({
      format: 'esm',
      user: 'admin',
      contact: 'esm@example.com',
      count: 1,
      missing,
      trpc: 'esm@example.com',
      streamed: 'customer.created true',
      webhook: 'ping',
      imported: 'true 1/1',
    });
    expect(JSON.parse(cjs.stdout)).toEqual({
      format: 'cjs',
      user: 'admin',
      contact: 'cjs@example.com',
      count: 1,
      missing,
      trpc: 'cjs@example.com',
      streamed: 'customer.created true',
      webhook: 'ping',
      imported: 'true 1/1',
      restLoadsTrpc: false,
    });
  }, 60_000);
});
