import { defineConfig } from 'vite';

// The console is plain files the server serves at `/` (apps/server/src/http/console.ts): no inline script, so
// the server's Content-Security-Policy (`script-src 'self'`) holds.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    modulePreload: { polyfill: false },
    rollupOptions: {
      // The router's "use client" markers are for server-rendering frameworks; a plain bundle drops them.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
