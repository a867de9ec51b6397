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

/** Relative imports (values, types and re-exports) of each .ts file under `dir`, as absolute .ts paths. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)]
      .map((match) => path.resolve(path.dirname(file), match[1]).replace(/\.js$/, '.ts'))
      .filter((target) => target.startsWith(dir + path.sep));
    graph.set(file, targets);
  }
  return graph;
}

/** One import cycle, as relative paths, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === 'done') return null;
    if (state.get(file) === 'open') return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, 'open');
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle.map((f) => path.relative(root, f));
  }
  return null;
}

test('src/pruning has no import cycle (types shared by prune, IMP and the registry live in pruning/types.ts)', () => {
  assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a'].map((f) => path.relative(root, f)));
  assert.equal(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), null);
  assert.equal(findCycle(importGraph(path.join(root, 'src', 'pruning'))), null);
});
