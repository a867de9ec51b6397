// `sketch verify`'s Markdown and files (library calls); the `sketch` command line is test/e2e/sketch-cli.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { basisCounts, runSketchVerify, summaryLegend, toJson, verifyMarkdown, verifySummaryTable } from '../../src/experiments/sketch-report.js';
import { verifySketchTheory } from '../../src/sketch/index.js';

test('verify Markdown: summary with verdict bases, findings with explanations, every check numbered', () => {
  const report = verifySketchTheory({ seed: 1, quick: true, settings: [{ d: 40, n: 8, s: 5 }], reps: { masks: 100, data: 60 },
    largeScale: false, ntk: { width: 32, examples: 5, inputDim: 3, steps: 10, masks: 50 } });
  const markdown = verifyMarkdown(report, ['verify-lemma42.png']);
  assert.match(markdown, /## Summary/);
  assert.match(markdown, /\*\*Lemma 4\.2\*\* fails in \d+ of \d+ checks/);
  assert.match(markdown, /!\[verify-lemma42\.png\]\(verify-lemma42\.png\) \(\[SVG\]\(verify-lemma42\.svg\)\)/);
  assert.match(markdown, new RegExp(`\\|\\s+${report.checks.length} \\| Theorem 7\\.2`), 'last check row is numbered');
  assert.match(markdown, /## Section 7: Theorem 7\.2 on a trained network/);
  const summary = verifySummaryTable(report);
  assert.equal(summary.rows.length, report.summary.length);
  assert.deepEqual(summary.columns.slice(3, 5), ['violated', 'disagree']);
  // The legend counts every verdict once, by its basis, and explains contrast rows and ratios above 1.
  const counts = basisCounts(report);
  const judged = report.checks.filter((check) => check.relation !== 'comparison').length;
  assert.equal(counts.empirical + counts.analytic + counts.deterministic, judged);
  const legend = summaryLegend(report);
  assert.equal(legend.length, 3);
  assert.match(legend[0], new RegExp(`^verdicts: ${counts.empirical} empirical .* ${counts.analytic} analytic .* ${counts.deterministic} deterministic`));
  assert.match(legend[1], /^contrast rows: /);
  assert.match(legend[2], /^ratios above 1: /);
  assert.equal(JSON.parse(toJson({ a: Infinity, b: Number.NaN, c: 1 })).a, 'Infinity');
});

test('sketch verify writes JSON, Markdown, an HTML page with relative image links, and log-scale plots', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sketch-verify-'));
  try {
    const { files } = await runSketchVerify({ out, seed: 3, quick: true, suite: {
      settings: [{ d: 40, n: 8, s: 5 }, { d: 120, n: 8, s: 10 }], reps: { masks: 60, data: 40 }, largeScale: false,
      ntk: { width: 32, examples: 5, inputDim: 3, steps: 10, masks: 50 } } });
    assert.equal(files.html, path.join(out, 'index.html'));
    assert.ok(JSON.parse(fs.readFileSync(files.json, 'utf8')).ntk.trajectory.length === 11);
    const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const name of ['verify-theorem44', 'verify-lemma42', 'verify-theorem72', 'verify-theorem72-error', 'verify-theorem72-premises']) {
      assert.ok(fs.statSync(path.join(out, `${name}.png`)).size > 1000, name);
      assert.ok(html.includes(`<img src="${name}.svg"`), `${name} linked relative to the page`);
    }
    // The Theorem 4.4 and Lemma 4.2 plots use log axes with a dashed reference line at ratio 1.
    for (const name of ['verify-theorem44', 'verify-lemma42']) {
      const svg = fs.readFileSync(path.join(out, `${name}.svg`), 'utf8');
      assert.match(svg, /bound \(ratio 1\)/, name);
      assert.match(svg, /stroke-dasharray="6,4"/, name);
    }
    assert.match(html, /<strong>exceeded<\/strong>/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

