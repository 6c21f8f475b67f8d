/**
 * Late interaction against a cross-encoder, reranking the same BM25 candidates.
 *
 *   npx tsx bench/late-interaction.ts [--docs 1000] [--queries 20] [--candidates 100] [--threads N]
 *
 * Models: minilm-l6-bench (the cross-encoder/ms-marco-MiniLM-L-6-v2 architecture, fp32 and int8)
 * and colbert-minilm-l6-bench (the same encoder size, projected to 96 dimensions, colbert-ai's
 * lengths 32 / 180), both generated (random weights: the cost is real, the scores are noise).
 *
 * 1. index: `Index.build` of --docs synthetic documents (bench/syntheticCorpus.ts) into SQLite with
 *    the ColBERT model: documents/s, bytes per token, bytes per document, MB per 10,000 documents
 *    (measured bytes per document x 10,000).
 * 2. rerank, per query, the same --candidates BM25 candidates: (a) the late-interaction model from
 *    stored vectors (query encoding + reading the int8 vectors + MaxSim), (b) the cross-encoder
 *    scoring the 100 pairs (fp32 and int8), (c) the late-interaction model encoding the candidates
 *    on the fly (no stored vectors). Each query runs once, after one warm-up query.
 * 3. int8 error: |MaxSim from stored int8 vectors - MaxSim from float32 vectors| over all scored pairs.
 *
 * Prints Markdown; raw numbers go to bench/results/late-interaction-<date>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { CrossEncoder } from '../src/rerank/crossEncoder.js';
import { LateInteractionModel } from '../src/rerank/lateInteraction.js';
import { passageText } from '../src/retrieve/passage.js';
import { Index } from '../src/retrieve/searchIndex.js';
import { summarize, type LatencySummary } from './stats.js';
import { syntheticDocuments, syntheticQueries } from './syntheticCorpus.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    docs: { type: 'string', default: '1000' },
    queries: { type: 'string', default: '20' },
    candidates: { type: 'string', default: '100' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const docCount = Number(args.docs);
const queryCount = Number(args.queries);
const candidates = Number(args.candidates);
const threads = Number(args.threads);

const colbertDir = await ensureTestModel('colbert-minilm-l6-bench');
const crossDir = await ensureTestModel('minilm-l6-bench');
const work = mkdtempSync(join(tmpdir(), 'crossrank-bench-late-'));
const colbert = await LateInteractionModel.load(colbertDir, { threads, variant: 'fp32' });
const crossFp32 = await CrossEncoder.load(crossDir, { threads, variant: 'fp32' });
const crossInt8 = await CrossEncoder.load(crossDir, { threads, variant: 'quantized' });

try {
  // 1. index
  const corpus = [...syntheticDocuments(docCount)];
  const location = join(work, 'late.sqlite');
  const started = performance.now();
  const built = await Index.build(location, corpus, { lateInteractionModel: colbert, batchSize: 64 });
  const indexSeconds = (performance.now() - started) / 1000;
  const stored = await built.storedTokenVectorBytes(corpus.map((d) => d.id));
  await built.close();
  const dimension = colbert.info.dimension;
  const totalBytes = [...stored.values()].reduce((sum, bytes) => sum + bytes.length, 0);
  const tokens = totalBytes / (dimension + 4);
  const index = {
    documents: docCount,
    seconds: indexSeconds,
    documentsPerSecond: docCount / indexSeconds,
    bytesPerToken: dimension + 4,
    float32BytesPerToken: dimension * 4,
    tokensPerDocument: tokens / docCount,
    bytesPerDocument: totalBytes / docCount,
    mbPer10000Documents: ((totalBytes / docCount) * 10_000) / 1e6,
  };

  // 2. rerank the same BM25 candidates
  const pipeline = await Pipeline.open(location, { rerankModel: colbert });
  const queries = syntheticQueries(queryCount + 1);
  const times: Record<'lateStored' | 'crossFp32' | 'crossInt8' | 'lateEncoded', number[]> = { lateStored: [], crossFp32: [], crossInt8: [], lateEncoded: [] };
  let worstError = 0;
  let sumError = 0;
  let pairs = 0;
  let candidateCount = 0;
  const time = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const result = await work();
    return [result, performance.now() - t0];
  };
  for (const [q, query] of queries.entries()) {
    const found = await pipeline.retrieve(query, 'bm25', candidates);
    const texts = found.map((hit) => [query, passageText(hit.document)] as const);
    const [storedScores, lateMs] = await time(() => pipeline.rerank(query, found));
    const [, fp32Ms] = await time(() => crossFp32.score(texts));
    const [, int8Ms] = await time(() => crossInt8.score(texts));
    const [encodedScores, encodedMs] = await time(() => colbert.score(texts));
    if (q === 0) continue; // warm-up
    candidateCount += found.length;
    times.lateStored.push(lateMs);
    times.crossFp32.push(fp32Ms);
    times.crossInt8.push(int8Ms);
    times.lateEncoded.push(encodedMs);
    storedScores.forEach((score, i) => {
      const error = Math.abs(score - encodedScores[i]);
      worstError = Math.max(worstError, error);
      sumError += error;
      pairs++;
    });
  }
  await pipeline.close();
  const summary = Object.fromEntries(Object.entries(times).map(([name, samples]) => [name, summarize(samples)])) as Record<keyof typeof times, LatencySummary>;
  const result = {
    date: new Date().toISOString(),
    machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    threads,
    node: process.version,
    index,
    meanCandidates: candidateCount / queryCount,
    rerank: summary,
    speedup: {
      overCrossFp32: summary.crossFp32.p50Ms / summary.lateStored.p50Ms,
      overCrossInt8: summary.crossInt8.p50Ms / summary.lateStored.p50Ms,
    },
    int8Error: { pairs, mean: sumError / pairs, max: worstError, maxSimScale: colbert.info.queryMaxLength },
  };
  const resultsDir = join(repoRoot, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `late-interaction-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

  const ms = (s: LatencySummary) => `${s.p50Ms.toFixed(1)} | ${s.p95Ms.toFixed(1)}`;
  console.log(`${result.machine}; ${threads} threads; Node ${process.version}; ${result.date}`);
  console.log(`\nIndex (${docCount} documents, ColBERT dim ${dimension}): ${index.documentsPerSecond.toFixed(1)} documents/s; ${index.bytesPerToken} bytes per token (float32: ${index.float32BytesPerToken}); ${index.tokensPerDocument.toFixed(1)} tokens and ${index.bytesPerDocument.toFixed(0)} bytes per document; ${index.mbPer10000Documents.toFixed(2)} MB per 10,000 documents`);
  console.log(`\nReranking ${result.meanCandidates.toFixed(0)} BM25 candidates per query, ${queryCount} queries (ms per query):\n`);
  console.log('| reranker | p50 | p95 |\n|---|---|---|');
  console.log(`| late interaction, stored int8 vectors (query encoding + MaxSim) | ${ms(summary.lateStored)} |`);
  console.log(`| late interaction, documents encoded per query | ${ms(summary.lateEncoded)} |`);
  console.log(`| cross-encoder fp32 | ${ms(summary.crossFp32)} |`);
  console.log(`| cross-encoder int8 | ${ms(summary.crossInt8)} |`);
  console.log(`\nspeed-up (p50) of stored late interaction: ${result.speedup.overCrossFp32.toFixed(1)}x over fp32 cross-encoder, ${result.speedup.overCrossInt8.toFixed(1)}x over int8`);
  console.log(`int8 MaxSim error over ${pairs} pairs: mean ${result.int8Error.mean.toExponential(2)}, max ${result.int8Error.max.toExponential(2)} (scores are sums of ${colbert.info.queryMaxLength} cosines)`);
  console.log(`\nwrote ${file}`);
} finally {
  await Promise.all([colbert.close(), crossFp32.close(), crossInt8.close()]);
  rmSync(work, { recursive: true, force: true });
}
