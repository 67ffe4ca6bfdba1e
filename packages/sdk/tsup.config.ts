import { defineConfig } from 'tsup';

/**
 * Two entry points, each as ESM (`dist/index.js`, `dist/trpc.js`) and CommonJS (`.cjs`) with their declarations
 * (`.d.ts`, `.d.cts`): `@ccm/sdk` (REST) and `@ccm/sdk/trpc`, so that only the second loads @trpc/client. Each
 * bundle stands alone (no shared chunk): the few helpers both use are in both.
 * `@ccm/contract` is private to the monorepo: its code and its types are bundled in, so the published package
 * needs only public dependencies (@ts-rest/core, zod, the tRPC client).
 */
export default defineConfig({
  entry: ['src/index.ts', 'src/trpc.ts'],
  format: ['esm', 'cjs'],
  target: 'es2022',
  platform: 'neutral',
  tsconfig: 'tsconfig.build.json',
  dts: true,
  noExternal: ['@ccm/contract'],
  sourcemap: true,
  clean: true,
  treeshake: true,
  splitting: false,
});
