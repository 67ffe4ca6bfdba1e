import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/** The console's pages (apps/web's routes): each answers the console's index.html, the app then draws it. */
const PAGES = ['/', '/sign-in', '/customers/*', '/contacts', '/import', '/users', '/webhooks'];

/** Whether `dir` holds a build of the console. */
export const hasConsole = (dir: string) => fs.existsSync(path.join(dir, 'index.html'));

/**
 * The staff console (apps/web), served from its built files at `/`: its assets under `/assets/` (named by their
 * content, so cached for a year) and its index.html for each of its pages. Undefined when the folder holds no
 * build (`pnpm start` builds it; CONSOLE_DIR names another folder).
 */
export function consoleSite(dir: string): Router | undefined {
  if (!hasConsole(dir)) return undefined;
  const html = fs.readFileSync(path.join(dir, 'index.html'));
  const router = express.Router();
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false }));
  router.get(PAGES, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  return router;
}
