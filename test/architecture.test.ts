// Enforces the import rules: each src/ folder may import only the folders that docs/CONTRIBUTING.md's layer table
// (section "Layers") lists for it. The table is the one place the rules are written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Rows "| `folder/` | `a/`, `b/` (note) |" of the "## Layers" section: folder -> the folders it may import. */
function layerTable(markdown: string): Record<string, string[]> {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('Layers\n'));
  assert.ok(section, 'docs/CONTRIBUTING.md has a "## Layers" section');
  const rows = [...section.matchAll(/^\| `([a-z]+)\/` \| (.*) \|$/gm)];
  return Object.fromEntries(rows.map(([, folder, cell]) => [folder, [...cell.matchAll(/`([a-z]+)\/`/g)].map((m) => m[1])]));
}

const allowed = layerTable(fs.readFileSync(path.join(root, 'docs', 'CONTRIBUTING.md'), 'utf8'));

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

test('the layer table parses as written: ordered, no folder imports itself or one that imports it back', () => {
  assert.deepEqual(allowed.foundations, []);
  assert.deepEqual(allowed.torch, ['foundations']);
  assert.deepEqual(allowed.report, ['foundations']);
  assert.deepEqual(allowed.sketch, ['torch', 'foundations'], 'sketch/ depends on torch/ (and foundations/) only');
  for (const [folder, targets] of Object.entries(allowed)) {
    assert.ok(!targets.includes(folder), `${folder} lists itself`);
    for (const target of targets) {
      assert.ok(target in allowed, `${folder} lists ${target}/, which has no row`);
      assert.ok(!allowed[target].includes(folder), `${folder} and ${target} may import each other`);
    }
  }
});
