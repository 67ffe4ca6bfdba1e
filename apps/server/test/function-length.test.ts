import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every function of the apps' and packages' sources fits on a screen: at most 100 lines, factories included (a
// factory that returns an object of functions counts as one function).

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAX_LINES = 100;

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Each function of a file longer than the limit: where it starts and how long it is. */
function longFunctions(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      if (end - start + 1 > MAX_LINES) found.push(`${path.relative(ROOT, file)}:${start} (${end - start + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('functions', () => {
  const roots = ['apps', 'packages'].flatMap((top) =>
    fs.readdirSync(path.join(ROOT, top)).map((name) => path.join(ROOT, top, name, 'src')),
  );

  it(`no function in apps/*/src and packages/*/src is over ${MAX_LINES} lines`, () => {
    const files = roots.flatMap(sources);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap(longFunctions)).toEqual([]);
  });
});
