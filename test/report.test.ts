import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvaluatedRun } from '../src/eval/evaluate.js';
import { evaluateRun, type Qrels, type RetrievedDocument, type Run } from '../src/eval/metrics.js';
import { GAIN_COLORS, renderReport } from '../src/eval/report.js';
import type { FirstStage } from '../src/retrieve/searchIndex.js';

// Query q<i> has one relevant document, rel-q<i>; a run puts it at the rank it is given.
function qrels(queries: number): Qrels {
  return new Map(Array.from({ length: queries }, (_, i) => [`q${i}`, new Map([[`rel-q${i}`, 1]])]));
}

function runWithRanks(ranks: readonly number[]): Run {
  return new Map(
    ranks.map((rank, i): [string, RetrievedDocument[]] => [
      `q${i}`,
      Array.from({ length: 20 }, (_, r) => ({ id: r + 1 === rank ? `rel-q${i}` : `other-${r}`, score: 100 - r })),
    ]),
  );
}

function evaluated(name: string, stage: FirstStage, reranked: boolean, ranks: readonly number[]): EvaluatedRun {
  const run = runWithRanks(ranks);
  return { name, stage, reranked, run, evaluation: evaluateRun(qrels(ranks.length), run), msPerQuery: 1 };
}

function render(runs: EvaluatedRun[]): string {
  return renderReport({ title: 'report', settings: {}, runs, queries: new Map() });
}

test('twelve runs get twelve colours, none of them the better or worse colour of the gain charts', () => {
  const runs = Array.from({ length: 12 }, (_, i) => evaluated(`run-${i}`, 'bm25', false, [1 + i, 2, 3]));
  const html = render(runs);
  const swatches = [...html.matchAll(/class="swatch" style="background:(#[0-9a-f]{6})"/g)].map((m) => m[1]);
  assert.equal(swatches.length, 12);
  assert.equal(new Set(swatches).size, 12, `a colour is shared: ${swatches.join(' ')}`);
  for (const color of [GAIN_COLORS.better, GAIN_COLORS.worse]) assert.ok(!swatches.includes(color), `${color} is both a run and a gain colour`);
});

/** Each gain chart of a report: its y-axis top label and its bars' (height, query label) in order. */
function gainCharts(html: string): Array<{ top: string; bars: Array<{ height: number; gain: string }>; labels: string[] }> {
  return [...html.matchAll(/<svg[^>]*aria-label="nDCG@10 gain per query">([\s\S]*?)<\/svg>/g)].map(([, svg]) => ({
    top: /<text x="\d+" y="18"[^>]*>([^<]+)<\/text>/.exec(svg!)![1]!,
    bars: [...svg!.matchAll(/height="([\d.]+)" fill="[^"]+"><title>q\d+: ([+-][\d.]+)/g)].map((m) => ({ height: Number(m[1]), gain: m[2]! })),
    labels: [...svg!.matchAll(/class="query-label"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]!),
  }));
}

test('gain charts: one y scale across charts, and every bar labelled with its query id', () => {
  // bm25 -> bm25+rerank moves the relevant document from rank 2 to 1 (a small gain); dense ->
  // dense+rerank from 20 to 1 (a large one). Equal gains must draw equal bars in both charts.
  const html = render([
    evaluated('bm25', 'bm25', false, [2, 2, 1, 1]),
    evaluated('bm25+rerank', 'bm25', true, [1, 1, 1, 2]),
    evaluated('dense', 'dense', false, [20, 2, 1, 3]),
    evaluated('dense+rerank', 'dense', true, [1, 1, 1, 2]),
  ]);
  const [small, large] = gainCharts(html);
  assert.ok(small && large, 'two gain charts');
  assert.equal(small.top, large.top, 'both charts have the same y-axis top');
  assert.equal(large.top, '+1.00', 'the scale fits the largest gain of any chart');
  const heightOf = (chart: typeof small, gain: string): number => chart.bars.find((bar) => bar.gain === gain)!.height;
  const smallGain = small.bars[0]!.gain;
  assert.ok(large.bars.some((bar) => bar.gain === smallGain), `both charts have a bar of gain ${smallGain}`);
  assert.equal(heightOf(small, smallGain), heightOf(large, smallGain), 'equal gains, equal bars');
  assert.ok(heightOf(large, large.bars[0]!.gain) > heightOf(small, smallGain), 'a larger gain, a taller bar');
  for (const chart of [small, large]) assert.deepEqual([...chart.labels].sort(), ['q0', 'q1', 'q2', 'q3'], 'one label per bar');
});

test('gain charts with more queries than labels fit: every k-th bar labelled, labels never overlap', () => {
  const queries = 300;
  const before = Array.from({ length: queries }, (_, i) => 1 + (i % 7));
  const after = Array.from({ length: queries }, (_, i) => 1 + ((i * 3) % 5));
  const [chart] = gainCharts(render([evaluated('bm25', 'bm25', false, before), evaluated('bm25+rerank', 'bm25', true, after)]));
  assert.ok(chart);
  const xs = [...render([evaluated('bm25', 'bm25', false, before), evaluated('bm25+rerank', 'bm25', true, after)]).matchAll(/class="query-label" x="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(chart.labels.length > 20 && chart.labels.length < queries, `${chart.labels.length} labels for ${queries} bars`);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! - xs[i - 1]! >= 11 - 1e-9, `labels ${i - 1} and ${i} are ${xs[i]! - xs[i - 1]!}px apart`);
});
