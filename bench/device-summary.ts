// Gathers scripts/device-check.sh's stage results (JSON files of bench/device-parity, bench/pruning and
// bench/train-throughput) into OUT/summary.md and OUT/results.json, with the goals of the GPU check:
// parity within tolerance, SynFlow VGG-19 (100 iterations) >= 5x the reference, ResNet-20 training >= 1.0x PyTorch.
// Usage: node dist/bench/device-summary.js --dir WORK --stages "build=ok parity=ok ..." --out OUT
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dir: { type: 'string' }, stages: { type: 'string', default: '' }, out: { type: 'string' } } });
const read = (name: string): Record<string, any> | null => {
  const file = path.join(values.dir!, `${name}.json`);
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return null; }
};
const stages = Object.fromEntries(values.stages!.trim().split(/\s+/).filter(Boolean).map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]));
const parity = read('parity');
const pruning = read('pruning');
const throughput = read('throughput');

const lines: string[] = ['# sketchprune GPU check', ''];
lines.push('| stage | status |', '| --- | --- |', ...Object.entries(stages).map(([name, status]) => `| ${name} | ${status} |`), '');

const goals: { goal: string; value: number | null; target: string; met: boolean }[] = [];
if (parity) {
  const failed = parity.rows.filter((row: any) => !row.pass);
  goals.push({ goal: 'CUDA == CPU within tolerance (all parity checks)', value: parity.rows.length - failed.length, target: `${parity.rows.length} of ${parity.rows.length}`, met: failed.length === 0 });
  lines.push(`## CUDA vs CPU (${parity.device}, libtorch ${parity.libtorch})`, '', '| check | value | tolerance | pass | note |', '| --- | ---: | ---: | --- | --- |');
  for (const row of parity.rows) lines.push(`| ${row.check} | ${row.value === null ? 'n/a' : Number(row.value).toPrecision(4)} | ${row.tolerance} | ${row.pass ? 'yes' : '**NO**'} | ${row.note} |`);
  lines.push('');
} else {
  goals.push({ goal: 'CUDA == CPU within tolerance (all parity checks)', value: null, target: 'all', met: false });
}
if (pruning) {
  lines.push(`## Pruning on ${pruning.device} (density ${pruning.density}, ${pruning.threads} CPU threads)`, '',
    '| model | method | iterations | ours (s) | reference (s) | reference/ours | mask overlap |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of pruning.rows) {
    lines.push(`| ${row.model} | ${row.method} | ${row.iterations} | ${row.ours.toFixed(3)} | ${row.reference.toFixed(3)} | ${row.speedup.toFixed(2)}× | ${(100 * row.overlap).toFixed(1)}% |`);
  }
  lines.push('');
}
const vgg = pruning?.rows.find((row: any) => row.model === 'vgg19' && row.method === 'synflow');
goals.push({ goal: 'SynFlow VGG-19, 100 iterations: reference/ours', value: vgg ? vgg.speedup : null, target: '≥ 5', met: Boolean(vgg && vgg.speedup >= 5) });
if (throughput) {
  lines.push(`## ResNet-20 training, batch ${throughput.batchSize}, ${throughput.device} (PyTorch ${throughput.torch})`, '',
    '| side | img/s (best round) | per round |', '| --- | ---: | --- |');
  for (const [name, row] of [['sketchprune dense', throughput.dense], ['sketchprune masked 10%', throughput.masked], ['PyTorch dense', throughput.pytorch]] as const) {
    lines.push(`| ${name} | ${row.imagesPerSecond.toFixed(0)} | ${row.perRound.map((v: number) => v.toFixed(0)).join(', ')} |`);
  }
  lines.push('');
}
goals.push({ goal: 'ResNet-20 training img/s: ours/PyTorch', value: throughput ? throughput.ratio : null, target: '≥ 1.0', met: Boolean(throughput && throughput.ratio >= 1.0) });
lines.splice(2, 0, '| goal | value | target | met |', '| --- | ---: | --- | --- |',
  ...goals.map((g) => `| ${g.goal} | ${g.value === null ? 'n/a' : Number(g.value).toFixed(2)} | ${g.target} | ${g.met ? 'yes' : '**no**'} |`), '');

fs.mkdirSync(values.out!, { recursive: true });
fs.writeFileSync(path.join(values.out!, 'summary.md'), lines.join('\n') + '\n');
fs.writeFileSync(path.join(values.out!, 'results.json'), JSON.stringify({ stages, goals, parity, pruning, throughput }, null, 1));
console.log(lines.join('\n'));
