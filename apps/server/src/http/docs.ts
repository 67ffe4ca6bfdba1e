import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, Router } from 'express';

/**
 * The interactive reference at `/api/docs/`: Swagger UI from the `swagger-ui-dist` package, served by this
 * server (no CDN, fonts or images from elsewhere), started by our own initializer file on `/api/openapi.json`.
 * The page itself is the contract's `docs.page` route; this router serves the files it loads.
 */

/** `public/docs` of this package: the same path from `src/http` (tests, tsx) and from `dist/http`. */
const OWN_DIR = fileURLToPath(new URL('../../public/docs/', import.meta.url));
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Only the files the page loads: not the package's own index.html, whose initializer loads a remote example. */
const SWAGGER_UI_FILES = [
  'swagger-ui.css',
  'index.css',
  'swagger-ui-bundle.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
];

/** The HTML of the page, read once. */
export const docsPage = fs.readFileSync(path.join(OWN_DIR, 'index.html'), 'utf8');

function serve(dir: string, files: string[]): RequestHandler {
  const allowed = new Set(files);
  const statics = express.static(dir, { index: false, redirect: false });
  return (req, res, next) => (allowed.has(req.path.slice(1)) ? statics(req, res, next) : next());
}

/** Mounted at `/api/docs`; anything else under it falls through to the 404/405 handler. */
export function docsAssets(): Router {
  return Router().use(serve(OWN_DIR, ['swagger-initializer.js']), serve(SWAGGER_UI_DIR, SWAGGER_UI_FILES));
}
