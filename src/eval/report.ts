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
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7'];

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
        `<rect x="${x.toFixed(1)}" y="${y(value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(plotHeight * value).toFixed(1)}" fill="${PALETTE[r % PALETTE.length]}"><title>${escapeHtml(`${run.name} ${METRIC_NAMES[metric]} ${value.toFixed(4)}`)}</title></rect>`,
      );
    });
    parts.push(`<text x="${(left + (m + 0.5) * groupWidth).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle" font-size="13">${METRIC_NAMES[metric]}</text>`);
  });
  const legend = runs
    .map((run, r) => `<span class="key"><span class="swatch" style="background:${PALETTE[r % PALETTE.length]}"></span>${escapeHtml(run.name)}</span>`)
    .join(' ');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="metrics per run">${parts.join('')}</svg><p>${legend}</p>`;
}

function gainChart(gains: Array<{ queryId: string; gain: number }>, queries: ReadonlyMap<string, string>): string {
  const sorted = [...gains].sort((a, b) => b.gain - a.gain || (a.queryId < b.queryId ? -1 : 1));
  const width = 760;
  const height = 220;
  const left = 44;
  const middle = height / 2;
  const scale = (height / 2 - 14) / Math.max(1e-9, ...sorted.map((g) => Math.abs(g.gain)), 0.1);
  const step = (width - left) / Math.max(sorted.length, 1);
  const bars = sorted.map((g, i) => {
    const barHeight = Math.abs(g.gain) * scale;
    const yTop = g.gain >= 0 ? middle - barHeight : middle;
    const color = g.gain > 0 ? '#59a14f' : g.gain < 0 ? '#e15759' : '#999';
    const label = `${g.queryId}: ${g.gain >= 0 ? '+' : ''}${g.gain.toFixed(4)} — ${queries.get(g.queryId) ?? ''}`;
    return `<rect x="${(left + i * step).toFixed(2)}" y="${yTop.toFixed(2)}" width="${Math.max(step - 1, 0.5).toFixed(2)}" height="${Math.max(barHeight, 0.5).toFixed(2)}" fill="${color}"><title>${escapeHtml(label)}</title></rect>`;
  });
  const maxGain = (height / 2 - 14) / scale;
  const axis = [
    `<line x1="${left}" x2="${width}" y1="${middle}" y2="${middle}" stroke="#333"/>`,
    `<text x="${left - 6}" y="${middle + 4}" text-anchor="end" font-size="11">0</text>`,
    `<text x="${left - 6}" y="18" text-anchor="end" font-size="11">+${maxGain.toFixed(2)}</text>`,
    `<text x="${left - 6}" y="${height - 8}" text-anchor="end" font-size="11">−${maxGain.toFixed(2)}</text>`,
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
  const gainSections = rerankedRuns(input.runs)
    .map(({ before, after }) => {
      const gains = rerankGains(before.evaluation, after.evaluation);
      const { better, worse, unchanged, signTestP } = winLoss(before.evaluation, after.evaluation);
      return `<h2>Reranking gain per query: ${escapeHtml(after.name)}</h2>
<p>nDCG@10 of ${escapeHtml(after.name)} less ${escapeHtml(before.name)}, one bar per query, best first: ${better} better, ${worse} worse, ${unchanged} unchanged (sign test p = ${formatP(signTestP)}). Hover a bar for the query.</p>
${gainChart(gains, input.queries)}`;
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
