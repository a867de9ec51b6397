// `run <preset> --dry-run` on the command line: table2 at full scale lists the paper's grid; a scale the preset
// lacks is a usage error. The presets themselves are checked against the paper in test/experiments/presets.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

test('run table2 --scale full --dry-run lists the paper\'s grid; --scale quick is a usage error', () => {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/sketchprune.js');
  const dry = spawnSync(process.execPath, [bin, 'run', 'table2', '--scale', 'full', '--dry-run', '--out', '/nonexistent/table2'], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  const lines = dry.stdout.split('\n').filter((line) => /^\s+new\s/.test(line));
  assert.equal(lines.length, 2 * 2 * 8 * 3 * 3);
  assert.ok(lines.some((line) => /IMP \+ rand\. data \+ rand\. mask\s+resnet20 cifar100 density 0\.02 seed 2/.test(line)));
  assert.ok(!lines.some((line) => /lenet300|fashion-mnist/.test(line)));
  const quick = spawnSync(process.execPath, [bin, 'run', 'table2', '--scale', 'quick', '--dry-run'], { encoding: 'utf8' });
  assert.equal(quick.status, 2);
  assert.match(quick.stderr, /no 'quick' scale: this experiment has cpu, full/);
});
