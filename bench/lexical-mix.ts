/**
 * What `rerank`'s lexical mix gives on the starter model's held-out sets: each query's BM25 top
 * 100 (the SQLite FTS5 index), ranked four ways from one forward pass over the candidates: BM25
 * alone; the starter alone; the starter mixed with the index's BM25 scores (what `search` does);
 * the starter mixed with BM25 computed over the 100 candidates themselves (what `rerank` and the
 * service do when handed those candidates, with no first-stage scores), and, as an ablation, the
 * last with FTS5's idf instead of Lucene's (see rerank/candidateBm25.ts). nDCG@10 and MRR@10, and
 * per query better / worse than BM25 on nDCG@10 with a sign test.
 *
 *   npx tsx bench/lexical-mix.ts [--sets synopsis,keywords] [--every 1] [--threads N] [--weight W]
 *
 * --every k evaluates every k-th query only (to fit a busy machine). Writes bench/results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CrossEncoder, Index, Pipeline, readCorpus } from '../src/index.js';
import { loadBeirDataset } from '../src/eval/beir.js';
import { evaluateRun, type RetrievedDocument, type RunEvaluation } from '../src/eval/metrics.js';
import { winLoss } from '../src/eval/winLoss.js';
import { pairScores } from '../src/rerank/encodedPairs.js';
import { mixLexicalEvidence } from '../src/rerank/lexicalMix.js';
import { interpolateScores } from '../src/rerank/interpolation.js';
import { rankByScore } from '../src/rerank/ranking.js';
import { passageText } from '../src/retrieve/passage.js';
import { analyze } from '../src/tokenize/lexicalTerms.js';
import { referenceBm25 } from '../test/reference/bm25Reference.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    sets: { type: 'string', default: 'synopsis,keywords' },
    every: { type: 'string', default: '1' },
    threads: { type: 'string', default: String(availableParallelism()) },
    weight: { type: 'string' }, // default: the starter's recommended weight (its config.json)
  },
});
const every = Number(args.every);
const RANKINGS = [
  'BM25 alone',
  'starter alone',
  'starter + index BM25 (search)',
  'starter + candidate BM25 (rerank, serve)',
  'starter + candidate BM25 with FTS5 idf (not shipped)',
] as const;

const encoder = await CrossEncoder.load(undefined, { threads: Number(args.threads) });
const weight = args.weight === undefined ? (encoder.recommendedWeight ?? 1) : Number(args.weight);
const lines: string[] = [];
const results: Record<string, unknown> = {};
for (const set of args.sets.split(',')) {
  const dataset = await loadBeirDataset(join(repoRoot, 'training/heldout', set));
  const work = mkdtempSync(join(tmpdir(), 'crossrank-lexmix-'));
  const index = await Index.open(join(work, 'index.sqlite'));
  try {
    await index.addAll(readCorpus(dataset.corpusPath));
    const pipeline = new Pipeline(index, encoder);
    const runs = RANKINGS.map(() => new Map<string, RetrievedDocument[]>());
    let modelMs = 0;
    let mixMs = 0;
    let queryNumber = 0;
    for (const [queryId, query] of dataset.queries) {
      if (queryNumber++ % every !== 0 || query.trim() === '') continue;
      const found = await pipeline.retrieve(query, 'bm25', 100);
      const texts = found.map((hit) => passageText(hit.document));
      let started = performance.now();
      const encoded = encoder.encodePairs(texts.map((text) => [query, text] as const));
      const raw = pairScores(encoded, await encoder.rawScores(encoded.encodings));
      modelMs += performance.now() - started;
      started = performance.now();
      const candidateMix = mixLexicalEvidence(query, texts, raw, weight);
      mixMs += performance.now() - started;
      // The ablation: FTS5's idf (floored at 1e-6 for terms in half the candidates or more) in place of Lucene's.
      const fts5 = referenceBm25(texts.map((text) => analyze(text, { stopwords: true })), analyze(query, { stopwords: true }), 1.2, 0.75, 'fts5');
      const firstStage = found.map((hit) => hit.firstStage.score);
      const scorings = [firstStage, raw, interpolateScores(raw, firstStage, weight), candidateMix, interpolateScores(raw, fts5, weight)];
      scorings.forEach((scores, r) => runs[r].set(queryId, rankByScore(scores).map((i) => ({ id: found[i].document.id, score: scores[i] }))));
    }
    const evaluations: RunEvaluation[] = runs.map((run) => evaluateRun(dataset.qrels, run));
    const queries = runs[0].size;
    lines.push(`| ${set} (${queries}) | | | | | |`);
    evaluations.forEach((evaluation, r) => {
      const vs = r === 0 ? { better: '', p: '' } : (() => {
        const w = winLoss(evaluations[0], evaluation);
        return { better: `${w.better} / ${w.worse}`, p: w.signTestP.toExponential(1) };
      })();
      lines.push(`| | ${RANKINGS[r]} | ${evaluation.mean.ndcg10.toFixed(3)} | ${evaluation.mean.mrr10.toFixed(3)} | ${vs.better} | ${vs.p} |`);
    });
    results[set] = {
      queries,
      rankings: Object.fromEntries(evaluations.map((e, r) => [RANKINGS[r], { ndcg10: e.mean.ndcg10, mrr10: e.mean.mrr10 }])),
      modelMsPerQuery: modelMs / queries,
      candidateMixMsPerQuery: mixMs / queries,
    };
    lines.push(`| | model ${(modelMs / queries).toFixed(1)} ms per query; candidate BM25 + mix ${(mixMs / queries).toFixed(2)} ms per query | | | | |`);
  } finally {
    await index.close();
    rmSync(work, { recursive: true, force: true });
  }
}
await encoder.close();

const header = `lexical mix, weight ${weight}, every ${every} query, ${args.threads} threads, ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString()}`;
console.log(header);
console.log('| queries | ranking of BM25 top 100 | nDCG@10 | MRR@10 | better / worse than BM25 | sign test p |');
console.log('|---|---|---:|---:|---:|---:|');
for (const line of lines) console.log(line);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench/results', `lexical-mix-${Date.now()}.json`), `${JSON.stringify({ header, results }, null, 2)}\n`);
