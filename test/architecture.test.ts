// Enforces DESIGN.md's import rules: each src/ folder may import only the folders listed for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const allowed: Record<string, string[]> = {
  foundations: [],
  torch: ['foundations'],
  nn: ['torch', 'foundations'],
  data: ['torch', 'foundations'],
  sketch: ['torch', 'foundations'],
  optim: ['nn', 'torch', 'foundations'],
  pruning: ['nn', 'data', 'sketch', 'optim', 'torch', 'foundations'],
  distributed: ['torch', 'foundations'],
  train: ['optim', 'nn', 'data', 'distributed', 'torch', 'foundations'],
  report: ['foundations'],
  experiments: ['pruning', 'train', 'distributed', 'sketch', 'optim', 'nn', 'data', 'torch', 'foundations', 'report'],
  cli: ['experiments', 'report', 'foundations', 'torch', 'sketch', 'pruning', 'train', 'data', 'nn', 'optim', 'distributed'],
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

test('src/ folders import only the folders below them', () => {
  const src = path.join(root, 'src');
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const folder = path.relative(src, file).split(path.sep)[0];
    if (!(folder in allowed)) continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.relative(src, path.resolve(path.dirname(file), match[1])).split(path.sep)[0];
      if (target !== folder && target in allowed && !allowed[folder].includes(target)) {
        violations.push(`${path.relative(root, file)} imports ${target}/`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('the rule table covers every src/ folder', () => {
  const folders = fs.readdirSync(path.join(root, 'src'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  assert.deepEqual(folders.filter((name) => !(name in allowed)), []);
});
