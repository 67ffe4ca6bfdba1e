// After `changeset version`: the API's version (packages/contract/src/version.ts, read by the OpenAPI document
// and GET /api/) follows the contract's package.json, which changesets bumped together with the SDK's.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'packages/contract/package.json'), 'utf8'));
const file = path.join(root, 'packages/contract/src/version.ts');
const text = fs.readFileSync(file, 'utf8').replace(/API_VERSION = '[^']*'/, `API_VERSION = '${version}'`);
fs.writeFileSync(file, text);
process.stdout.write(`API_VERSION = ${version}\n`);
