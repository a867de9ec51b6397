#!/usr/bin/env node
// The package's dist/: dist/src compiled from src/ alone (no tests, benches or source maps), as `npm pack` and
// `npm publish` ship it. Runs as the `prepare` script (npm ci in a clone, and before npm pack); the full
// development build, with tests, is `npx tsc -p .`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
fs.rmSync(path.join(root, 'dist', 'src'), { recursive: true, force: true });
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!fs.existsSync(tsc)) {
  console.error('sketchprune: building dist/ needs the dev dependencies (run npm ci or npm install in the clone first)');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
