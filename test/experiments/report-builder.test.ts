// buildReport's files for scripts: runs.csv (one row per run, numbers as numbers) and the paper-layout CSV with
// numeric mean/std/n columns, both read back by Python's csv module (as the README's pandas snippet reads them)
// and checked against mean and sample std computed there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildReport } from '../../src/experiments/report-builder.js';

function writeRun(root: string, name: string, files: Record<string, unknown>): void {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
}

// Accuracies chosen so that mean and std have long decimal expansions.
const accuracies: Record<string, Record<number, number[]>> = {
  SynFlow: { 0.1: [0.8861, 0.8897, 0.8843], 0.02: [0.8512, 0.8467] },
  'SNIP, sparse': { 0.1: [0.8770, 0.8811, 0.8799], 0.02: [0.8391] },
};

function writeRuns(root: string): void {
  for (const [method, byDensity] of Object.entries(accuracies)) {
    for (const [density, values] of Object.entries(byDensity)) {
      values.forEach((accuracy, seed) => {
        const name = `${method.replace(/\W+/g, '')}-d${density}-s${seed}`;
        writeRun(root, name, {
          'config.json': { name, model: 'lenet300', dataset: 'fashion-mnist', method, density: Number(density), seed, train: { lr: 0.1, milestones: [80, 120], nesterov: false } },
          'result.json': { testAccuracy: accuracy, top5: 0.99, epochs: 3, seconds: 12.5 + seed, layers: [{ name: 'fc.weight', kept: 1, total: 2 }] },
          // The best epoch beats the final one for seed 0.
          'metrics.jsonl': [0.5, seed === 0 ? accuracy + 0.01 : accuracy - 0.01, accuracy].map((top1, i) => JSON.stringify({ type: 'epoch', epoch: i + 1, test_top1: top1 })).join('\n') + '\n',
        });
      });
    }
  }
  writeRun(root, 'running', {
    'config.json': { name: 'running', model: 'lenet300', dataset: 'fashion-mnist', method: 'SNIP, sparse', density: 0.02, seed: 5 },
    'metrics.jsonl': '{"type":"epoch","epoch":1,"test_top1":0.7}\n{"type":"epoch","epoch":2,"test_top1":0.75}\n',
  });
}

// What the README's pandas snippet does (read runs.csv, keep finished runs, mean/std/count per method and
// density), with the csv and statistics modules; plus the paper-layout CSV's numeric columns as read back.
const script = `
import csv, json, statistics, sys
runs = list(csv.DictReader(open(sys.argv[1], newline="")))
table = list(csv.DictReader(open(sys.argv[2], newline="")))
groups = {}
for r in runs:
    if r["status"] == "finished" and r["testAccuracy"] != "":
        groups.setdefault((r["method"], float(r["density"])), []).append(float(r["testAccuracy"]))
summary = {f"{m}|{d}": [100 * statistics.mean(v), 100 * statistics.stdev(v) if len(v) > 1 else None, len(v)] for (m, d), v in groups.items()}
cells = {}
for row in table:
    for m in ["SynFlow", "SNIP, sparse"]:
        mean, std, n = row[m + " mean"], row[m + " std"], row[m + " n"]
        cells[m + "|" + row["Density"]] = [float(mean) if mean else None, float(std) if std else None, int(n)]
print(json.dumps({"runs": runs, "summary": summary, "cells": cells, "columns": list(runs[0].keys())}))
`;

test('buildReport: runs.csv (tidy) and the table CSV (numeric mean, std, n) read back by Python', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-tidy-'));
  const runsDir = path.join(work, 'runs');
  writeRuns(runsDir);
  const report = await buildReport(runsDir, path.join(work, 'report'));
  assert.equal(report.runsCsv, path.join(work, 'report', 'runs.csv'));
  const tableCsv = report.tables[0]!.csv;
  const python = spawnSync('/usr/bin/python3', ['-c', script, report.runsCsv, tableCsv], { encoding: 'utf8' });
  assert.equal(python.status, 0, python.stderr);
  const { runs, summary, cells, columns } = JSON.parse(python.stdout) as {
    runs: Record<string, string>[]; summary: Record<string, [number, number | null, number]>;
    cells: Record<string, [number | null, number | null, number]>; columns: string[];
  };
  assert.deepEqual(columns.slice(0, 11), ['name', 'status', 'method', 'model', 'dataset', 'density', 'seed', 'testAccuracy', 'bestTestAccuracy', 'epochs', 'seconds']);
  assert.ok(columns.includes('train.lr') && columns.includes('train.milestones') && columns.includes('top5'), columns.join(','));
  assert.ok(!columns.includes('layers'), 'per-layer records stay in result.json');
  assert.equal(columns[columns.length - 1], 'dir');
  assert.equal(runs.length, 10, 'one row per run, finished or not');

  const byName = new Map(runs.map((r) => [r.name, r]));
  const first = byName.get('SynFlow-d0.1-s0')!;
  assert.equal(first.testAccuracy, '0.8861');
  assert.equal(Number(first.bestTestAccuracy), Number((0.8861 + 0.01).toPrecision(12)), 'best epoch from metrics.jsonl');
  assert.equal(byName.get('SynFlow-d0.1-s1')!.bestTestAccuracy, '0.8897', 'final is the best');
  assert.deepEqual([first.density, first.seed, first.epochs, first.seconds, first['train.lr'], first['train.milestones'], first['train.nesterov'], first.dir],
    ['0.1', '0', '3', '12.5', '0.1', '[80,120]', 'false', 'SynFlow-d0.1-s0']);
  const running = byName.get('running')!;
  assert.deepEqual([running.status, running.testAccuracy, running.bestTestAccuracy, running.epochs, running.seconds], ['unfinished', '', '0.75', '2', '']);

  // Python's mean and sample std per (method, density) equal the table's numeric cells.
  const expected: Record<string, [number | null, number | null, number]> = {};
  for (const [key, [mean, std, n]] of Object.entries(summary)) {
    const [method, density] = key.split('|');
    expected[`${method}|${Number(density) * 100}%`] = [mean, std, n];
  }
  assert.deepEqual(Object.keys(cells).sort(), Object.keys(expected).sort());
  for (const [key, [mean, std, n]] of Object.entries(cells)) {
    const [pMean, pStd, pN] = expected[key]!;
    assert.equal(n, pN, `${key}: n`);
    assert.ok(Math.abs(mean! - pMean!) < 1e-9, `${key}: mean ${mean} vs Python ${pMean}`);
    if (pStd === null) assert.equal(std, null, `${key}: one seed has no std`);
    else assert.ok(Math.abs(std! - pStd) < 1e-9, `${key}: std ${std} vs Python ${pStd}`);
  }
  assert.match(fs.readFileSync(report.html, 'utf8'), /<a href="runs\.csv">runs\.csv<\/a>/);
  fs.rmSync(work, { recursive: true, force: true });
});

test('buildReport: n and the paper\'s number under each HTML cell; ties within one std marked', async () => {
  // A runs directory named like a preset (no experiment.json: the report takes its name from the directory).
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-paper-'));
  const runsDir = path.join(work, 'table1');
  const add = (name: string, model: string, dataset: string, method: string, density: number, seed: number, accuracy: number): void =>
    writeRun(runsDir, name, { 'config.json': { name, model, dataset, method, density, seed }, 'result.json': { testAccuracy: accuracy } });
  // LeNet on Fashion-MNIST (no paper numbers: the reference setting, VGG-19 on CIFAR-10, starred), 3 seeds:
  // SynFlow 88.0 ± 1.0 is the best; SynFlow + χ 87.5 ± 0.5 is within one std of it.
  [87, 88, 89].forEach((a, seed) => add(`s${seed}`, 'lenet300', 'fashion-mnist', 'SynFlow', 0.1, seed, a / 100));
  [87, 87.5, 88].forEach((a, seed) => add(`c${seed}`, 'lenet300', 'fashion-mnist', 'SynFlow + χ', 0.1, seed, a / 100));
  // One VGG-19 CIFAR-10 run: the paper has that cell (exact, no star).
  add('v0', 'vgg19', 'cifar10', 'SynFlow', 0.05, 0, 0.925);
  const report = await buildReport(runsDir, path.join(work, 'report'));
  const html = fs.readFileSync(report.html, 'utf8');
  assert.ok(html.includes('<strong>88.00 ± 1.00</strong><br><small class="note">n = 3 · paper 93.01 ± 0.19*</small>'), html);
  assert.ok(html.includes('87.50 ± 0.50 †<br><small class="note">n = 3 · paper 93.12 ± 0.12*</small>'));
  assert.ok(html.includes('<strong>92.50</strong><br><small class="note">n = 1 · paper 92.68 ± 0.11</small>'), 'exact setting: no star');
  assert.match(html, /<p class="table-note">† within one standard deviation of the best \(bold\) in its row/);
  assert.match(html, /Table 1, vgg19 on cifar10\)\. \* The paper has no numbers for lenet300 on fashion-mnist/);
  // The CSV stays numbers only: no marker, no notes.
  const csv = fs.readFileSync(report.tables[0]!.csv, 'utf8');
  assert.ok(!csv.includes('†') && !csv.includes('paper'), csv);
  fs.rmSync(work, { recursive: true, force: true });
});
