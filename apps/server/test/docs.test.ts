import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The repository describes itself: a README a newcomer reads in five minutes, the rest in docs/, and every link
// of every Markdown file leading to a file (and heading) of the repository, never outside it.

const ROOT = path.resolve(import.meta.dirname, '../../..');
const markdown = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && fs.existsSync(path.join(ROOT, f)));

/** GitHub's anchor of a heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const anchorsOf = (file: string) =>
  new Set([...fs.readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!.replace(/`/g, ''))));

/** Links outside code: `[text](target)`. */
function linksOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe('the docs', () => {
  it('the README is a short page (under 12 KB) that leads to every file of docs/', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(Buffer.byteLength(readme)).toBeLessThan(12 * 1024);
    // Files only: docs/images holds the pictures the pages show.
    const docs = fs.readdirSync(path.join(ROOT, 'docs'), { withFileTypes: true }).filter((e) => e.isFile());
    for (const doc of docs) expect(readme).toContain(`](docs/${doc.name})`);
  });

  it.each(markdown)('%s: every link leads to a file and heading of the repository', (file) => {
    const full = path.join(ROOT, file);
    for (const link of linksOf(full)) {
      expect(link, `${file}: ${link}`).not.toMatch(/^[a-z]+:/i);
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const resolved = target === '' ? full : path.resolve(path.dirname(full), target);
      expect(resolved.startsWith(`${ROOT}/`), `${file}: ${link} leaves the repository`).toBe(true);
      expect(fs.existsSync(resolved), `${file}: ${link}`).toBe(true);
      if (anchor && resolved.endsWith('.md')) expect(anchorsOf(resolved).has(anchor), `${file}: ${link}`).toBe(true);
    }
  });
});
