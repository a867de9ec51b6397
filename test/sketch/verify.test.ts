import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifySketchTheory, type VerifyReport } from '../../src/sketch/index.js';

let cached: VerifyReport | null = null;
function report(): VerifyReport {
  cached ??= verifySketchTheory({
    seed: 5, quick: true, settings: [{ d: 60, n: 8, s: 6 }, { d: 3, n: 16, s: 2 }], reps: { masks: 300, data: 200 },
    largeScale: false, ntk: { width: 64, examples: 6, inputDim: 4, steps: 20, masks: 200 },
  });
  return cached;
}
const find = (statement: string, scenario: string) =>
  report().checks.filter((check) => check.statement === statement && check.scenario.includes(scenario));

test('the report is plain JSON-able data covering every statement of Sections 4–7', () => {
  const parsed = JSON.parse(JSON.stringify(report())) as VerifyReport;
  assert.equal(parsed.checks.length, report().checks.length);
  const statements = new Set(report().checks.map((check) => check.statement));
  for (const statement of ['Algorithm 1', 'Lemma 4.1 (as printed)', 'Lemma 4.1', 'Lemma 4.2', 'Lemma 4.3', 'Theorem 4.4',
    'Lemma 4.5', 'Lemma 4.5 (second form)', 'Section 5', 'Section 6', 'Theorem 7.2', 'Theorem 7.2 (as proved)',
    'Theorem 7.2, proof step 1', 'Theorem 7.2, premise (G.4)']) {
    assert.ok(statements.has(statement), `missing ${statement}`);
  }
  const total = report().summary.reduce((sum, row) => sum + row.checks, 0);
  assert.equal(total, report().checks.length);
  // Every verdict (contrast rows aside) is empirical, analytic or deterministic, and the summary counts them.
  for (const row of report().summary) {
    assert.equal(row.empirical + row.analytic + row.deterministic, row.checks - row.comparisons, row.statement);
    assert.equal(row.holds + row.violated + row.inconclusive + row.disagreements + row.comparisons, row.checks);
  }
});

test('no bound check passes while its interval excludes the exact value: that is a disagreement', () => {
  for (const check of report().checks.filter((c) => c.relation === 'upper bound' && c.exactWithinCI === false)) {
    assert.equal(check.verdict, 'disagreement', check.scenario);
  }
  // An analytic verdict is only given where the interval straddles the bound.
  for (const check of report().checks.filter((c) => c.basis === 'analytic')) {
    assert.ok(check.measured!.ciLow <= check.predicted && check.measured!.ciHigh > check.predicted, check.scenario);
  }
});

test('Lemma 4.2 is exceeded for a dense w⁰ (with an explanation) and holds for a 1-sparse w⁰', () => {
  const [dense] = find('Lemma 4.2', 'w⁰ dense');
  assert.equal(dense.verdict, 'exceeded');
  assert.ok(dense.ratio > 5, `ratio ${dense.ratio}`);
  assert.match(dense.explanation ?? '', /false whenever w⁰ has two or more non-zeros/);
  // The measurement is independent of the derived exact value and agrees with it.
  assert.equal(dense.exactWithinCI, true);
  const [single] = find('Lemma 4.2', 'w⁰ 1-sparse');
  assert.equal(single.verdict, 'holds');
});

test('Lemma 4.1 holds in its squared form; the printed (unsquared) form fails where the error is exactly 0', () => {
  for (const check of report().checks.filter((c) => c.statement === 'Lemma 4.1')) {
    assert.equal(check.verdict, 'equality within CI', check.scenario);
  }
  const [printed] = find('Lemma 4.1 (as printed)', 'w⁰ 1-sparse');
  assert.equal(printed.verdict, 'equality rejected');
  assert.match(printed.explanation ?? '', /typo/);
});

test('Lemmas 4.3 and 4.5 hold everywhere, empirically at d = 3; Theorem 4.4 holds at w⋆ = w⁰ and is exceeded for drift on small |w⁰|', () => {
  for (const statement of ['Lemma 4.3', 'Lemma 4.5']) {
    const group = report().checks.filter((c) => c.statement === statement);
    for (const check of group) assert.equal(check.verdict, 'holds', check.scenario);
    // At d = 3 the gap between the bound and the exact value is a third of the bound: the interval resolves it.
    const small = group.filter((c) => c.params.d === 3);
    assert.ok(small.filter((c) => c.basis === 'empirical').length >= small.length / 2,
      `${statement}: ${small.map((c) => c.basis).join(', ')}`);
  }
  const [same] = find('Theorem 4.4', 'w⁰ dense N(0,1); w⋆ = w⁰');
  assert.equal(same.verdict, 'holds');
  const exceeded = report().checks.filter((c) => c.statement === 'Theorem 4.4' && c.verdict === 'exceeded');
  assert.ok(exceeded.some((c) => c.scenario.includes('smallest')), 'a small-|w⁰| drift exceeds the bound');
  for (const check of exceeded) assert.match(check.explanation ?? '', /wrong way|never draws those indices/);
  // w⁰ with zeros at a large s: the bias of never-drawn indices exceeds the bound.
  const [biased] = find('Theorem 4.4', 'w⁰ 1-sparse; dense drift 10%').filter((c) => Number(c.params.s) === 300);
  assert.equal(biased.verdict, 'exceeded');
  assert.match(biased.explanation ?? '', /does not shrink with s/);
});

test('every Monte Carlo measurement agrees with the independently derived exact value (≥ 90% of intervals)', () => {
  const withExact = report().checks.filter((c) => c.exactWithinCI !== null);
  const agreeing = withExact.filter((c) => c.exactWithinCI).length;
  assert.ok(agreeing >= 0.9 * withExact.length, `${agreeing}/${withExact.length}`);
});

test('Sections 5 and 6: the equivalences hold to rounding; the contrasts differ', () => {
  for (const check of report().checks.filter((c) => c.statement === 'Section 5' || c.statement === 'Section 6')) {
    assert.ok(check.verdict === 'equal to rounding' || check.verdict === 'equality within CI', `${check.claim}: ${check.verdict}`);
  }
  for (const check of report().checks.filter((c) => c.statement.endsWith('(contrast)'))) {
    assert.equal(check.relation, 'comparison');
    assert.equal(check.verdict, 'not equal');
  }
});

test('Section 7: Theorem 7.2 holds on the training run, by many orders of magnitude; the premises hold', () => {
  const [printed] = report().checks.filter((c) => c.statement === 'Theorem 7.2');
  assert.equal(printed.verdict, 'holds');
  assert.equal(printed.basis, 'empirical');
  assert.ok(printed.ratio < 1e-6 && printed.ratio > 0, `ratio ${printed.ratio}`);
  const [proved] = report().checks.filter((c) => c.statement === 'Theorem 7.2 (as proved)');
  assert.ok(proved.predicted < printed.predicted);
  const [step] = report().checks.filter((c) => c.statement === 'Theorem 7.2, proof step 1');
  assert.equal(step.verdict, 'holds');
  assert.ok(step.exact! <= step.predicted);
  for (const premise of report().checks.filter((c) => c.statement === 'Theorem 7.2, premise (G.4)')) {
    assert.equal(premise.verdict, 'holds', premise.claim);
    assert.equal(premise.basis, 'deterministic');
  }
  const ntk = report().ntk!;
  assert.equal(ntk.trajectory.length, 21);
  assert.equal(ntk.constants.width, 64);
});

test('bad settings are named', () => {
  assert.throws(() => verifySketchTheory({ settings: [{ d: 10, n: 0, s: 2 }], largeScale: false }), /setting n must be a positive integer, got 0/);
});

test('an interval too narrow to hold the exact value is reported as a disagreement after a 4× replication, never a pass', () => {
  const narrow = verifySketchTheory({
    seed: 2, z: 0.02, settings: [{ d: 30, n: 8, s: 5 }], reps: { masks: 50, data: 40 }, largeScale: false, ntk: false,
  });
  const fixed = narrow.checks.filter((check) => check.statement === 'Lemma 4.3');
  const replicated = fixed.filter((check) => check.details?.firstMeasurementMissed);
  assert.ok(replicated.length >= fixed.length / 2, `${replicated.length} of ${fixed.length} replicated`);
  for (const check of replicated) {
    assert.equal(check.measured!.reps, 4 * Number(check.details!.firstReps));
    if (check.exactWithinCI === false) assert.equal(check.verdict, 'disagreement');
  }
  const row = narrow.summary.find((item) => item.statement === 'Lemma 4.3')!;
  assert.ok(row.disagreements > 0, 'disagreements are counted');
  assert.equal(row.holds + row.disagreements + row.violated + row.inconclusive, row.checks);
  for (const check of narrow.checks.filter((item) => item.verdict === 'disagreement')) assert.match(check.explanation ?? '', /excludes the exact expectation/);
});
