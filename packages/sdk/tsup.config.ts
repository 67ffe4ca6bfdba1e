import { defineConfig } from 'tsup';

/**
 * ESM (`dist/index.js`) and CommonJS (`dist/index.cjs`) with their declarations (`.d.ts`, `.d.cts`).
 * `@ccm/contract` is private to the monorepo: its code and its types are bundled in, so the published package
 * needs only public dependencies (@ts-rest/core, zod, the tRPC client).
 */
export default defineConfig({
  entry: ['src/index.ts'],
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
