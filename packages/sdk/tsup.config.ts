import { defineConfig } from 'tsup';

/**
 * Three entry points, each as ESM (`dist/index.js`, `dist/trpc.js`, `dist/import.js`) and CommonJS (`.cjs`) with
 * their declarations (`.d.ts`, `.d.cts`): `@ccm/sdk` (REST), `@ccm/sdk/trpc`, so that only it loads @trpc/client,
 * and `@ccm/sdk/import`, so that only it loads papaparse. Each bundle stands alone (no shared chunk): the few
 * helpers they share are in each.
 * `@ccm/contract` is private to the monorepo: its code and its types are bundled in, so the published package
 * needs only public dependencies (@ts-rest/core, zod, the tRPC client).
 */
export default defineConfig({
  entry: ['src/index.ts', 'src/trpc.ts', 'src/import.ts'],
  format: ['esm', 'cjs'],
  target: 'es2022',
  platform: 'neutral',
  tsconfig: 'tsconfig.build.json',
  dts: true,
  noExternal: ['@ccm/contract', '@ccm/contract/import'],
  sourcemap: true,
  clean: true,
  treeshake: true,
  splitting: false,
});
