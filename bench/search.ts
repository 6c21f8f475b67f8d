/**
 * Search benchmark: the embedded SQLite store against PostgreSQL with pgvector.
 *
 *   npx tsx bench/search.ts [--sizes 10000,100000] [--stores sqlite,pgvector] [--dimension 384]
 *                           [--queries 100] [--pipeline-size 10000] [--rerank-queries 20] [--pg-url URL] [--threads N]
 *
 * 1. stores: write throughput (documents/second: analysis + one transaction per 256 documents, and
 *    pgvector's index build after the load) and first-stage latency (BM25 k=100, vector k=100,
 *    hybrid = both + RRF) at each size. Vectors are bag-of-words vectors of --dimension (384,
 *    MiniLM's size; see HashedWordVectors), so no model runs here: the figures are the stores'.
 *    pgvector's HNSW is approximate: its recall@100 against SQLite's exact scan of the same vectors
 *    is reported.
 * 2. scan: sqlite-vec's vec0 k-NN against a plain scan of the same vectors in JavaScript.
 * 3. pipeline (--pipeline-size documents): `crossrank index` end to end with the tiny-embed test
 *    model (hidden 32: embedding a corpus with a MiniLM-size model takes hours on 2 cores), dense and
 *    hybrid first stages with the query embedded, and search with 50 candidates reranked by the
 *    MiniLM-L6-architecture cross-encoder (minilm-l6-bench, int8).
 *
 * The synthetic corpus is cut from assets/bench (see bench/syntheticCorpus.ts). PostgreSQL comes
 * from --pg-url, else CROSSRANK_PG_URL, else scripts/start-postgres.sh's default URL; pgvector runs
 * are skipped, with a note, where none answers. Prints Markdown tables; raw numbers go to bench/results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { passageText } from '../src/retrieve/passage.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { Index, type FirstStage, type IndexDocument } from '../src/retrieve/searchIndex.js';
import { CrossEncoder } from '../src/rerank/crossEncoder.js';
import { analyze, analyzedText } from '../src/retrieve/analyzer.js';
import { reciprocalRankFusion } from '../src/retrieve/fusion.js';
import { openStore } from '../src/retrieve/stores/open.js';
import { SqliteStore } from '../src/retrieve/stores/sqlite.js';
import { SCHEMA_VERSION, type DocumentRecord, type DocumentStore, type ScoredId } from '../src/retrieve/stores/types.js';
import { summarize, type LatencySummary } from './stats.js';
import { HashedWordVectors, seededRandom, syntheticDocuments, syntheticQueries, syntheticVector } from './syntheticCorpus.js';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    stores: { type: 'string', default: 'sqlite,pgvector' },
    dimension: { type: 'string', default: '384' },
    queries: { type: 'string', default: '100' },
    'pipeline-size': { type: 'string', default: '10000' },
    'rerank-queries': { type: 'string', default: '20' },
    'pg-url': { type: 'string' },
    threads: { type: 'string', default: String(availableParallelism()) },
    skip: { type: 'string', default: '' },
  },
});
const sizes = args.sizes.split(',').map(Number);
const dimension = Number(args.dimension);
const queryCount = Number(args.queries);
const threads = Number(args.threads);
const skipped = new Set(args.skip.split(',').filter(Boolean));
const work = mkdtempSync(join(tmpdir(), 'crossrank-bench-search-'));
const results: Record<string, unknown> = {};
const BATCH = 256;

async function pgBaseUrl(): Promise<string | null> {
  const url = args['pg-url'] ?? process.env.CROSSRANK_PG_URL ?? 'postgres://postgres@127.0.0.1:54329/crossrank';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return url;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

let schemaCounter = 0;
async function freshLocation(kind: string, pgUrl: string | null): Promise<{ location: string; cleanup(): Promise<void> }> {
  if (kind === 'sqlite') {
    const path = join(work, `bench-${schemaCounter++}.sqlite`);
    return { location: path, cleanup: async () => rmSync(path, { force: true }) };
  }
  const schema = `crossrank_bench_${process.pid}_${schemaCounter++}`;
  const url = new URL(pgUrl as string);
  url.searchParams.set('schema', schema);
  return {
    location: url.toString(),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: pgUrl as string });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

async function timeEach<T>(items: readonly T[], run: (item: T) => Promise<unknown>, warmup = 3): Promise<LatencySummary> {
  for (const item of items.slice(0, warmup)) await run(item);
  const samples: number[] = [];
  for (const item of items) {
    const started = performance.now();
    await run(item);
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const rate = (n: number, ms: number): number => Math.round(n / (ms / 1000));

interface StoreRow {
  store: string;
  documents: number;
  writePerSecond: number;
  /** Of which building deferred indexes after the load. */
  buildSeconds: number;
  bm25: LatencySummary;
  vector: LatencySummary;
  hybrid: LatencySummary;
  recallAt100?: number;
  wide?: { efSearch: number; vector: LatencySummary; recallAt100: number };
}

/** Section 1: write throughput and first-stage latency of each store at each size. */
async function storeSection(pgUrl: string | null): Promise<StoreRow[]> {
  const rows: StoreRow[] = [];
  const queries = syntheticQueries(queryCount);
  const wordVectors = new HashedWordVectors(dimension);
  const queryVectors = queries.map((query) => wordVectors.embed(analyze(query, { stopwords: true })));
  for (const size of sizes) {
    const exact = new Map<number, ScoredId[]>();
    for (const kind of args.stores.split(',')) {
      if (kind === 'pgvector' && !pgUrl) continue;
      const { location, cleanup } = await freshLocation(kind, pgUrl);
      const store: DocumentStore = await openStore(location, { create: true });
      try {
        await store.initialize({
          schema: SCHEMA_VERSION,
          analyzer: { stopwords: true },
          embedding: { model: '/synthetic', dimension, queryPrefix: '', documentPrefix: '' },
        });
        let batch: IndexDocument[] = [];
        let writeMs = 0;
        for (const document of syntheticDocuments(size)) {
          batch.push(document);
          if (batch.length === BATCH) {
            writeMs += await writeBatch(store, batch, wordVectors);
            batch = [];
          }
        }
        if (batch.length > 0) writeMs += await writeBatch(store, batch, wordVectors);
        // Building the deferred search indexes (pgvector's GIN and HNSW) is part of indexing.
        const buildStarted = performance.now();
        await store.ensureSearchIndexes();
        const buildMs = performance.now() - buildStarted;
        writeMs += buildMs;
        const analyzed = queries.map((q) => analyze(q, { stopwords: true }));
        const bm25 = await timeEach(analyzed, (terms) => store.textSearch(terms, 100));
        const vector = await timeEach(queryVectors, (v) => store.vectorSearch(v, 100));
        const hybrid = await timeEach(
          queries.map((_, i) => i),
          async (i) => reciprocalRankFusion([await store.textSearch(analyzed[i], 100), await store.vectorSearch(queryVectors[i], 100)]),
        );
        const row: StoreRow = { store: kind, documents: size, writePerSecond: rate(size, writeMs), buildSeconds: buildMs / 1000, bm25, vector, hybrid };
        if (kind === 'sqlite') {
          for (let i = 0; i < queries.length; i++) exact.set(i, await store.vectorSearch(queryVectors[i], 100));
        } else if (exact.size > 0) {
          row.recallAt100 = await recallAt100(store, queryVectors, exact);
          // The same index searched wider: HNSW's ef_search 400 instead of k.
          const wide = new URL(location);
          wide.searchParams.set('ef_search', '400');
          const wideStore = await openStore(wide.toString(), { create: false });
          try {
            row.wide = { efSearch: 400, vector: await timeEach(queryVectors, (v) => wideStore.vectorSearch(v, 100)), recallAt100: await recallAt100(wideStore, queryVectors, exact) };
          } finally {
            await wideStore.close();
          }
        }
        rows.push(row);
        console.error(`stores: ${kind} ${size} done (${row.writePerSecond} documents/s)`);
      } finally {
        await store.close();
        await cleanup();
      }
    }
  }
  return rows;
}

/**
 * Recall@100 of an approximate search against the exact one: the share of its 100 results that are
 * as similar as the exact 100th. Counted by similarity, not by id, so that documents tied with the
 * 100th (equal vectors) count whichever of them the exact scan happened to list.
 */
async function recallAt100(store: DocumentStore, queryVectors: Float32Array[], exact: Map<number, ScoredId[]>): Promise<number> {
  let found = 0;
  for (let i = 0; i < queryVectors.length; i++) {
    const truth = exact.get(i) ?? [];
    const threshold = (truth[truth.length - 1]?.score ?? Number.NEGATIVE_INFINITY) - 1e-6;
    found += (await store.vectorSearch(queryVectors[i], 100)).filter((h) => h.score >= threshold).length;
  }
  return found / (queryVectors.length * 100);
}

async function writeBatch(store: DocumentStore, documents: IndexDocument[], wordVectors: HashedWordVectors): Promise<number> {
  // Vectors are made outside the timed part: they stand for a model's output.
  const vectors = documents.map((document) => wordVectors.embed(analyze(passageText(document), { stopwords: true })));
  const started = performance.now();
  await store.upsert(documents.map((document, i) => ({ document, terms: analyzedText(passageText(document), { stopwords: true }), vector: vectors[i] })));
  return performance.now() - started;
}

interface ScanRow {
  documents: number;
  vec0: LatencySummary;
  /** Vectors read from a BLOB column once (loadMs), then each query scans memory in JavaScript. */
  memoryScan: LatencySummary;
  loadMs: number;
  /** Each query reads every BLOB from SQLite and scores it in JavaScript. */
  blobScan: LatencySummary;
}

/** Section 2: vec0 k-NN against plain scans of the same vectors kept in an ordinary BLOB column. */
async function scanSection(): Promise<ScanRow[]> {
  const rows: ScanRow[] = [];
  const queryRandom = seededRandom(99);
  const queryVectors = Array.from({ length: Math.min(queryCount, 30) }, () => syntheticVector(dimension, queryRandom));
  const { default: Database } = await import('better-sqlite3');
  for (const size of sizes) {
    const path = join(work, `scan-${size}.sqlite`);
    const store = SqliteStore.open(path);
    await store.initialize({ schema: SCHEMA_VERSION, analyzer: { stopwords: true }, embedding: { model: '/synthetic', dimension, queryPrefix: '', documentPrefix: '' } });
    const db = new Database(path);
    db.exec('CREATE TABLE plain_vectors (rowid INTEGER PRIMARY KEY, embedding BLOB NOT NULL)');
    const insertPlain = db.prepare('INSERT INTO plain_vectors (rowid, embedding) VALUES (?, ?)');
    const random = seededRandom(size);
    for (let start = 0; start < size; start += 1000) {
      const records: DocumentRecord[] = [];
      for (let i = start; i < Math.min(size, start + 1000); i++) records.push({ document: { id: `v${i}`, text: '' }, terms: '', vector: syntheticVector(dimension, random) });
      await store.upsert(records);
      db.transaction(() => records.forEach((r, j) => insertPlain.run(start + j + 1, Buffer.from((r.vector as Float32Array).buffer))))();
    }
    const vec0 = await timeEach(queryVectors, (v) => store.vectorSearch(v, 100));
    await store.close();

    const readAll = db.prepare('SELECT embedding FROM plain_vectors ORDER BY rowid');
    const loadStarted = performance.now();
    const matrix = new Float32Array(size * dimension);
    let row = 0;
    for (const { embedding } of readAll.iterate() as Iterable<{ embedding: Buffer }>) {
      matrix.set(new Float32Array(embedding.buffer, embedding.byteOffset, dimension), row * dimension);
      row++;
    }
    const loadMs = performance.now() - loadStarted;
    const memoryScan = await timeEach(queryVectors, async (query) => topK(matrix, row, query, 100));
    const blobScan = await timeEach(queryVectors.slice(0, 5), async (query) => {
      const scratch = new Float32Array(size * dimension);
      let r = 0;
      for (const { embedding } of readAll.iterate() as Iterable<{ embedding: Buffer }>) {
        scratch.set(new Float32Array(embedding.buffer, embedding.byteOffset, dimension), r * dimension);
        r++;
      }
      return topK(scratch, r, query, 100);
    }, 1);
    db.close();
    rows.push({ documents: size, vec0, memoryScan, loadMs, blobScan });
    rmSync(path, { force: true });
    console.error(`scan: ${size} done`);
  }
  return rows;
}
/** Cosine top-k over unit vectors: dot products, then the k best by partial selection. */
function topK(matrix: Float32Array, rows: number, query: Float32Array, k: number): Array<[number, number]> {
  const d = query.length;
  const scores = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    const offset = r * d;
    for (let j = 0; j < d; j++) dot += matrix[offset + j] * query[j];
    scores[r] = dot;
  }
  const best: Array<[number, number]> = [];
  let floor = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < rows; r++) {
    if (best.length === k && scores[r] <= floor) continue;
    best.push([r, scores[r]]);
    if (best.length > k) {
      best.sort((a, b) => b[1] - a[1]);
      best.length = k;
      floor = best[k - 1][1];
    }
  }
  return best.sort((a, b) => b[1] - a[1]);
}

interface PipelineRow {
  store: string;
  documents: number;
  indexPerSecond: number;
  firstStage: Partial<Record<FirstStage, LatencySummary>>;
  reranked: Partial<Record<FirstStage, LatencySummary>>;
}

/** Section 3: the whole pipeline, with real models. */
async function pipelineSection(pgUrl: string | null): Promise<PipelineRow[]> {
  const size = Number(args['pipeline-size']);
  const embedDir = await ensureTestModel('tiny-embed', join(repoRoot, 'models'));
  const rerankDir = await ensureTestModel('minilm-l6-bench', join(repoRoot, 'models'));
  const reranker = await CrossEncoder.load(rerankDir, { threads });
  const queries = syntheticQueries(Number(args['rerank-queries']), 3);
  const rows: PipelineRow[] = [];
  try {
    for (const kind of args.stores.split(',')) {
      if (kind === 'pgvector' && !pgUrl) continue;
      const { location, cleanup } = await freshLocation(kind, pgUrl);
      const started = performance.now();
      const index = await Index.build(location, syntheticDocuments(size), { embedModel: embedDir, embedOptions: { threads } });
      const indexPerSecond = rate(size, performance.now() - started);
      try {
        const pipeline = new Pipeline(index, reranker);
        const firstStage: PipelineRow['firstStage'] = {};
        const reranked: PipelineRow['reranked'] = {};
        for (const stage of ['bm25', 'dense', 'hybrid'] as FirstStage[]) {
          firstStage[stage] = await timeEach(syntheticQueries(queryCount, 4), (q) => index.firstStage(q, stage, 100));
        }
        for (const stage of ['bm25', 'hybrid'] as FirstStage[]) {
          reranked[stage] = await timeEach(queries, (q) => pipeline.search(q, { firstStage: stage, candidates: 50, topN: 10 }), 2);
        }
        rows.push({ store: kind, documents: size, indexPerSecond, firstStage, reranked });
        console.error(`pipeline: ${kind} done`);
      } finally {
        await index.close();
        await cleanup();
      }
    }
  } finally {
    await reranker.close();
  }
  return rows;
}

function printStores(rows: StoreRow[]): void {
  console.log(`\n### Stores: write throughput and first-stage latency (k = 100, vectors of dimension ${dimension}, ${queryCount} queries)\n`);
  console.log('| store | documents | write (documents/s) | of which index build (s) | BM25 p50 / p95 (ms) | vector p50 / p95 (ms) | hybrid p50 / p95 (ms) | vector recall@100 vs exact |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const recall = r.recallAt100 === undefined ? (r.store === 'sqlite' ? '1 (exact)' : '-') : r.recallAt100.toFixed(3);
    console.log(
      `| ${r.store} | ${r.documents} | ${r.writePerSecond} | ${r.buildSeconds.toFixed(1)} | ${fmt(r.bm25.p50Ms)} / ${fmt(r.bm25.p95Ms)} | ${fmt(r.vector.p50Ms)} / ${fmt(r.vector.p95Ms)} | ${fmt(r.hybrid.p50Ms)} / ${fmt(r.hybrid.p95Ms)} | ${recall} |`,
    );
    if (r.wide) {
      console.log(
        `| ${r.store} (ef_search ${r.wide.efSearch}) | ${r.documents} | | | | ${fmt(r.wide.vector.p50Ms)} / ${fmt(r.wide.vector.p95Ms)} | | ${r.wide.recallAt100.toFixed(3)} |`,
      );
    }
  }
}

function printScan(rows: ScanRow[]): void {
  console.log(`\n### Vector k-NN in the embedded store: sqlite-vec vec0 against a plain JavaScript scan (dimension ${dimension}, k = 100)\n`);
  console.log('| documents | vec0 p50 (ms) | scan in memory p50 (ms) (+ load once) | memory scan / vec0 | scan reading BLOBs p50 (ms) | BLOB scan / vec0 |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.documents} | ${fmt(r.vec0.p50Ms)} | ${fmt(r.memoryScan.p50Ms)} (+ ${fmt(r.loadMs)}) | ${(r.memoryScan.p50Ms / r.vec0.p50Ms).toFixed(2)} | ${fmt(r.blobScan.p50Ms)} | ${(r.blobScan.p50Ms / r.vec0.p50Ms).toFixed(2)} |`,
    );
  }
}

function printPipeline(rows: PipelineRow[]): void {
  console.log('\n### Pipeline: indexing with tiny-embed, first stages with the query embedded, reranking 50 candidates with minilm-l6-bench (int8)\n');
  console.log('| store | documents | index (documents/s) | BM25 p50 (ms) | dense p50 (ms) | hybrid p50 (ms) | BM25 + rerank 50 p50 / p95 (ms) | hybrid + rerank 50 p50 / p95 (ms) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const f = r.firstStage;
    const s = r.reranked;
    console.log(
      `| ${r.store} | ${r.documents} | ${r.indexPerSecond} | ${fmt(f.bm25?.p50Ms ?? 0)} | ${fmt(f.dense?.p50Ms ?? 0)} | ${fmt(f.hybrid?.p50Ms ?? 0)} | ${fmt(s.bm25?.p50Ms ?? 0)} / ${fmt(s.bm25?.p95Ms ?? 0)} | ${fmt(s.hybrid?.p50Ms ?? 0)} / ${fmt(s.hybrid?.p95Ms ?? 0)} |`,
    );
  }
}

async function main(): Promise<void> {
  const pgUrl = args.stores.includes('pgvector') ? await pgBaseUrl() : null;
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
  console.log(`machine: ${machine}; node ${process.version}; threads ${threads}; ${new Date().toISOString()}`);
  if (args.stores.includes('pgvector')) console.log(pgUrl ? 'PostgreSQL: reachable' : 'PostgreSQL: none reachable, pgvector skipped (run scripts/start-postgres.sh)');
  try {
    if (!skipped.has('stores')) {
      const rows = await storeSection(pgUrl);
      results.stores = rows;
      printStores(rows);
    }
    if (!skipped.has('scan')) {
      const rows = await scanSection();
      results.scan = rows;
      printScan(rows);
    }
    if (!skipped.has('pipeline')) {
      const rows = await pipelineSection(pgUrl);
      results.pipeline = rows;
      printPipeline(rows);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const out = join(repoRoot, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `search-${Date.now()}.json`), `${JSON.stringify({ machine, args, results }, null, 2)}\n`);
}

await main();
