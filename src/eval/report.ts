import { rerankedRuns, type EvaluatedRun } from './evaluate.js';
import { rerankGains, winLoss } from './winLoss.js';
import { METRIC_NAMES, type Metrics } from './metrics.js';

/**
 * A self-contained HTML report of an evaluation: no script, no external file, so it can be mailed
 * or attached to CI. A grouped bar chart of each metric per run (inline SVG), a table of the same
 * numbers, and for each first stage a chart of every query's nDCG@10 gain from reranking.
 */
export interface ReportInput {
  title: string;
  /** Shown as a key-value list: dataset, index, models, candidates, date. */
  settings: Record<string, string>;
  runs: readonly EvaluatedRun[];
  /** Query texts, for the tooltips of the per-query chart. */
  queries: ReadonlyMap<string, string>;
}

const METRICS = Object.keys(METRIC_NAMES) as (keyof Metrics)[];
/** Gain-chart colours: a query reranking helped, hurt, or left alone. */
export const GAIN_COLORS = { better: '#59a14f', worse: '#e15759', unchanged: '#999999' } as const;
/**
 * Run colours: twelve that tell runs apart, none of them the green or red of GAIN_COLORS (so a
 * run's bar never reads as "better" or "worse"). A thirteenth run starts the cycle again.
 */
export const RUN_PALETTE = [
  '#4e79a7', '#f28e2b', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#bab0ac', '#1f3b73', '#a0cbe8', '#bcbd22', '#17becf',
] as const;

function runColor(index: number): string {
  return RUN_PALETTE[index % RUN_PALETTE.length]!;
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

function metricsChart(runs: readonly EvaluatedRun[]): string {
  const width = 760;
  const height = 300;
  const left = 44;
  const bottom = 40;
  const top = 16;
  const plotHeight = height - bottom - top;
  const groupWidth = (width - left) / METRICS.length;
  const barWidth = Math.min(36, (groupWidth - 24) / Math.max(runs.length, 1));
  const y = (value: number): number => top + plotHeight * (1 - value);
  const parts: string[] = [];
  for (let tick = 0; tick <= 1.0001; tick += 0.2) {
    parts.push(`<line x1="${left}" x2="${width}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end" font-size="11">${tick.toFixed(1)}</text>`);
  }
  METRICS.forEach((metric, m) => {
    const groupStart = left + m * groupWidth + (groupWidth - barWidth * runs.length) / 2;
    runs.forEach((run, r) => {
      const value = run.evaluation.mean[metric];
      const x = groupStart + r * barWidth;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(plotHeight * value).toFixed(1)}" fill="${runColor(r)}"><title>${escapeHtml(`${run.name} ${METRIC_NAMES[metric]} ${value.toFixed(4)}`)}</title></rect>`,
      );
    });
    parts.push(`<text x="${(left + (m + 0.5) * groupWidth).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle" font-size="13">${METRIC_NAMES[metric]}</text>`);
  });
  const legend = runs
    .map((run, r) => `<span class="key"><span class="swatch" style="background:${runColor(r)}"></span>${escapeHtml(run.name)}</span>`)
    .join(' ');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="metrics per run">${parts.join('')}</svg><p>${legend}</p>`;
}

/** Labels at least this far apart (px); with more queries than fit, every k-th bar is labelled. */
const MIN_LABEL_SPACING = 11;

/**
 * One reranked run's gain per query, best first. `maxGain` is the top of the y axis, shared by
 * every gain chart of a report so that bars of equal height mean equal gains.
 */
function gainChart(gains: Array<{ queryId: string; gain: number }>, queries: ReadonlyMap<string, string>, maxGain: number): string {
  const sorted = [...gains].sort((a, b) => b.gain - a.gain || (a.queryId < b.queryId ? -1 : 1));
  const width = 760;
  const plotHeight = 220;
  const labelHeight = 60;
  const height = plotHeight + labelHeight;
  const left = 44;
  const middle = plotHeight / 2;
  const scale = (plotHeight / 2 - 14) / maxGain;
  const step = (width - left) / Math.max(sorted.length, 1);
  const labelEvery = Math.ceil(MIN_LABEL_SPACING / step);
  const bars = sorted.map((g, i) => {
    const barHeight = Math.abs(g.gain) * scale;
    const yTop = g.gain >= 0 ? middle - barHeight : middle;
    const color = g.gain > 0 ? GAIN_COLORS.better : g.gain < 0 ? GAIN_COLORS.worse : GAIN_COLORS.unchanged;
    const label = `${g.queryId}: ${g.gain >= 0 ? '+' : ''}${g.gain.toFixed(4)} — ${queries.get(g.queryId) ?? ''}`;
    const x = left + i * step;
    const rect = `<rect x="${x.toFixed(2)}" y="${yTop.toFixed(2)}" width="${Math.max(step - 1, 0.5).toFixed(2)}" height="${Math.max(barHeight, 0.5).toFixed(2)}" fill="${color}"><title>${escapeHtml(label)}</title></rect>`;
    if (i % labelEvery !== 0) return rect;
    const labelX = x + step / 2 + 3;
    return `${rect}<text class="query-label" x="${labelX.toFixed(2)}" y="${plotHeight + 4}" transform="rotate(-90 ${labelX.toFixed(2)} ${plotHeight + 4})" text-anchor="end" font-size="9">${escapeHtml(g.queryId)}</text>`;
  });
  const axis = [
    `<line x1="${left}" x2="${width}" y1="${middle}" y2="${middle}" stroke="#333"/>`,
    `<text x="${left - 6}" y="${middle + 4}" text-anchor="end" font-size="11">0</text>`,
    `<text x="${left - 6}" y="18" text-anchor="end" font-size="11">+${maxGain.toFixed(2)}</text>`,
    `<text x="${left - 6}" y="${plotHeight - 8}" text-anchor="end" font-size="11">−${maxGain.toFixed(2)}</text>`,
  ];
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="nDCG@10 gain per query">${axis.join('')}${bars.join('')}</svg>`;
}

function metricsTable(runs: readonly EvaluatedRun[]): string {
  const header = `<tr><th>run</th>${METRICS.map((m) => `<th>${METRIC_NAMES[m]}</th>`).join('')}<th>queries</th><th>ms / query</th></tr>`;
  const rows = runs.map(
    (run) =>
      `<tr><td>${escapeHtml(run.name)}</td>${METRICS.map((m) => `<td>${run.evaluation.mean[m].toFixed(4)}</td>`).join('')}<td>${run.evaluation.evaluated} / ${run.evaluation.judged}</td><td>${run.msPerQuery.toFixed(1)}</td></tr>`,
  );
  return `<table>${header}${rows.join('')}</table>`;
}

/** p-values as people read them: 0.032, 1.2e-7; below what a double holds, < 1e-300. */
export function formatP(p: number): string {
  if (p === 0) return '< 1e-300';
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}

export function renderReport(input: ReportInput): string {
  const settings = Object.entries(input.settings)
    .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('');
  const compared = rerankedRuns(input.runs).map(({ before, after }) => ({ before, after, gains: rerankGains(before.evaluation, after.evaluation) }));
  // One y scale for all gain charts (at least ±0.1, so a run that barely moves looks it).
  const maxGain = Math.max(0.1, ...compared.flatMap(({ gains }) => gains.map((g) => Math.abs(g.gain))));
  const gainSections = compared
    .map(({ before, after, gains }) => {
      const { better, worse, unchanged, signTestP } = winLoss(before.evaluation, after.evaluation);
      return `<h2>Reranking gain per query: ${escapeHtml(after.name)}</h2>
<p>nDCG@10 of ${escapeHtml(after.name)} less ${escapeHtml(before.name)}, one bar per query (labelled by query id), best first: ${better} better, ${worse} worse, ${unchanged} unchanged (sign test p = ${formatP(signTestP)}). All gain charts share one scale. Hover a bar for the query.</p>
${gainChart(gains, input.queries, maxGain)}`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(input.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 820px; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; word-break: break-all; }
.key { margin-right: 1rem; white-space: nowrap; }
.swatch { display: inline-block; width: 0.9rem; height: 0.9rem; margin-right: 0.3rem; vertical-align: -0.1rem; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<dl>${settings}</dl>
<h2>Metrics per run</h2>
${metricsChart(input.runs)}
${metricsTable(input.runs)}
<p>Computed as trec_eval computes them (graded gain for nDCG, ties by document id descending); the mean is over judged queries with results.</p>
${gainSections}
</body>
</html>
`;
}
