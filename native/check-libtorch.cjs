// Runs before node-gyp in `npm install`: when no libtorch is found, say in one line what to install or set,
// instead of a compiler's page of errors. Exit 1 then (the addon cannot be built without it).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const result = spawnSync(process.execPath, [path.join(__dirname, 'locate-libtorch.cjs'), 'json'], { encoding: 'utf8' });
if (result.status !== 0) {
  const message = /Error: (.*)/.exec(result.stderr || '');
  const reason = message ? message[1] : 'libtorch not found';
  const hint = /apt-get|LIBTORCH/.test(reason) ? '' : ' (Debian/Ubuntu: apt-get install libtorch-dev; elsewhere set LIBTORCH to an unpacked libtorch from pytorch.org)';
  console.error(`sketchprune: cannot build the native addon: ${reason}${hint}`);
  process.exit(1);
}
