import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../src/index.js';

// One version for the API, the contract, the SDK and the server (changesets' fixed group; docs/sdk.md).
const root = path.resolve(import.meta.dirname, '../../..');
const versionOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8')).version;

describe('API_VERSION', () => {
  it.each(['packages/contract', 'packages/sdk', 'apps/server'])('is the version of %s', (dir) => {
    expect(versionOf(dir)).toBe(API_VERSION);
  });

  it('is one version group for changesets', () => {
    const config = JSON.parse(fs.readFileSync(path.join(root, '.changeset/config.json'), 'utf8'));
    expect(config.fixed).toEqual([['@ccm/contract', '@ccm/sdk', '@ccm/server']]);
  });
});
