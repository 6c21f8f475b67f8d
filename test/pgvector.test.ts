import assert from 'node:assert/strict';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BiEncoder } from '../src/embed/biEncoder.js';
import { InputError } from '../src/errors.js';
import { readCorpus } from '../src/eval/beir.js';
import { passageText } from '../src/retrieve/passage.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { Index, type IndexDocument } from '../src/retrieve/searchIndex.js';
import { CrossEncoder } from '../src/rerank/crossEncoder.js';
import { analyze } from '../src/retrieve/analyzer.js';
import { reciprocalRankFusion } from '../src/retrieve/fusion.js';
import { openStore } from '../src/retrieve/stores/open.js';
import { tsvectorLiteral } from '../src/retrieve/stores/pgLiterals.js';
import { SCHEMA_VERSION, type DocumentStore, type IndexSettings } from '../src/retrieve/stores/types.js';
import { repoRoot } from './support/paths.js';
import { dropSchema, postgresForTests, withSchema } from './support/postgres.js';
import { assertOneLineError, runCli } from './support/runCli.js';
import { seededRandom } from './support/seededRandom.js';
import { testModel } from './support/testModels.js';
import { cosine } from './support/vectors.js';

const server = await postgresForTests();
const skip = 'skip' in server ? server.skip : false;
const baseUrl = 'url' in server ? server.url : '';
const schemas: string[] = [];
const closers: Array<() => Promise<void>> = [];

/** A URL naming a schema of its own, dropped after the tests. */
function freshUrl(): string {
  const schema = `crossrank_test_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  return withSchema(baseUrl, schema);
}

after(async () => {
  for (const close of closers) await close();
  for (const schema of schemas) await dropSchema(baseUrl, schema);
});

const settings = (dimension: number | null): IndexSettings => ({
  schema: SCHEMA_VERSION,
  analyzer: { stopwords: true },
  embedding: dimension === null ? null : { model: '/nowhere', dimension, queryPrefix: '', documentPrefix: '' },
});

/** The access methods of the indexes on the store's documents table (primary key, GIN, HNSW). */
async function indexMethods(store: DocumentStore): Promise<string[]> {
  const schema = new URL(store.location).searchParams.get('schema');
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const result = await client.query<{ method: string }>(
      `SELECT am.amname AS method FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
       WHERE i.indrelid = to_regclass($1) ORDER BY am.amname`,
      [`"${schema}".crossrank_documents`],
    );
    return result.rows.map((row) => row.method);
  } finally {
    await client.end();
  }
}

async function openFresh(dimension: number | null): Promise<DocumentStore> {
  const store = await openStore(freshUrl(), { create: true });
  closers.push(() => store.close());
  await store.initialize(settings(dimension));
  return store;
}

let documents: IndexDocument[] = [];
before(async () => {
  if (skip) return;
  for await (const document of readCorpus(join(repoRoot, 'assets/examples/beir-mini/corpus.jsonl'))) documents.push(document);
});

test('tsvector literals keep every term as it is, with positions', () => {
  assert.equal(tsvectorLiteral(['web', 'server', 'web', "o'k", 'a\\b']), `'web':1,3 'server':2 'o''k':4 'a\\\\b':5`);
  assert.equal(tsvectorLiteral([]), '');
});

test('pgvector store: settings, upsert replacing by id, get, delete', { skip }, async () => {
  const store = await openFresh(4);
  assert.deepEqual(await store.settings(), settings(4));
  const v = (x: number): Float32Array => Float32Array.from([x, 1, 0, 0]);
  await store.upsert([
    { document: { id: 'a', title: 'Alpha', text: 'apples and pears', metadata: { n: 1 } }, terms: 'apples pears', vector: v(1) },
    { document: { id: 'b', text: 'bananas' }, terms: 'bananas', vector: v(-1) },
  ]);
  assert.deepEqual(await store.get(['a', 'zzz']), new Map([['a', { id: 'a', title: 'Alpha', text: 'apples and pears', metadata: { n: 1 } }]]));
  await store.upsert([{ document: { id: 'a', text: 'cherries' }, terms: 'cherries', vector: v(5) }]);
  assert.equal(await store.count(), 2);
  assert.deepEqual(await store.textSearch(['apples'], 10), []);
  assert.deepEqual((await store.textSearch(['cherries'], 10)).map((r) => r.id), ['a']);
  assert.deepEqual(await store.get(['a']), new Map([['a', { id: 'a', text: 'cherries' }]]));
  assert.equal(await store.delete(['b', 'nope']), 1);
  assert.deepEqual((await store.vectorSearch(v(-1), 10)).map((r) => r.id), ['a']);
  await assert.rejects(store.initialize(settings(4)), /already exists/);
});

test('pgvector store: a batch the database rejects commits nothing', { skip }, async () => {
  const store = await openFresh(4);
  await store.upsert([{ document: { id: 'keep', text: 'kept' }, terms: 'kept', vector: Float32Array.from([1, 0, 0, 0]) }]);
  // The second vector has 3 dimensions: PostgreSQL refuses the statement, and the transaction with it.
  await assert.rejects(
    store.upsert([
      { document: { id: 'c', text: 'cucumbers' }, terms: 'cucumbers', vector: Float32Array.from([1, 2, 3, 4]) },
      { document: { id: 'd', text: 'dates' }, terms: 'dates', vector: Float32Array.from([1, 2, 3]) },
    ]),
    /expected 4 dimensions, not 3/,
  );
  assert.equal(await store.count(), 1);
  assert.deepEqual(await store.textSearch(['cucumbers'], 10), []);
});

test('pgvector store: text search finds the documents holding a query term, best ts_rank_cd first', { skip }, async () => {
  const store = await openFresh(null);
  const corpusTerms = documents.map((d) => analyze(passageText(d), { stopwords: true }));
  await store.upsert(documents.map((document, i) => ({ document, terms: corpusTerms[i].join(' ') })));
  for (const query of ['convert images between formats', 'web server', 'database in a single file']) {
    const terms = analyze(query, { stopwords: true });
    const hits = await store.textSearch(terms, 100);
    const expected = documents.filter((_, i) => terms.some((t) => corpusTerms[i].includes(t))).map((d) => d.id);
    assert.deepEqual(hits.map((h) => h.id).sort(), expected.sort(), query);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score, `${query}: scores not descending`);
    assert.ok(hits.every((h) => h.score > 0));
  }
  // Apache's description has "web server" and "server" twice more: the most covers, so it ranks first.
  assert.equal((await store.textSearch(['web', 'server'], 1))[0].id, 'd19');
});

test('pgvector store: HNSW search finds the nearest neighbours by cosine similarity', { skip }, async () => {
  const random = seededRandom(9);
  const dimension = 16;
  const store = await openFresh(dimension);
  const vectors = Array.from({ length: 400 }, () => Float32Array.from({ length: dimension }, () => random() * 2 - 1));
  await store.upsert(vectors.map((vector, i) => ({ document: { id: `v${i}`, text: 'x' }, terms: 'x', vector })));
  await store.ensureSearchIndexes();
  assert.deepEqual(await indexMethods(store), ['btree', 'gin', 'hnsw']);
  let found = 0;
  for (let q = 0; q < 5; q++) {
    const query = Float32Array.from({ length: dimension }, () => random() * 2 - 1);
    const expected = vectors.map((v, i) => ({ id: `v${i}`, score: cosine(query, v) })).sort((a, b) => b.score - a.score).slice(0, 10);
    const actual = await store.vectorSearch(query, 10);
    assert.equal(actual.length, 10);
    // Approximate search: the scores it gives are exact cosines, and almost all true neighbours are found.
    for (const hit of actual) assert.ok(Math.abs(hit.score - cosine(query, vectors[Number(hit.id.slice(1))])) < 1e-5);
    found += actual.filter((a) => expected.some((e) => e.id === a.id)).length;
  }
  assert.ok(found >= 45, `HNSW recall@10 ${found / 50}`);
});

test('the pipeline on PostgreSQL: build, dense, hybrid and reranked search', { skip }, async () => {
  const embedDir = (await testModel('tiny-embed')).dir;
  const url = freshUrl();
  const index = await Index.build(url, documents, { embedModel: embedDir, embedOptions: { threads: 1 }, batchSize: 16 });
  closers.push(() => index.close());
  assert.equal(index.storeKind, 'pgvector');
  assert.equal(await index.count(), 40);
  const store = await openStore(url, { create: false });
  closers.push(() => store.close());
  assert.deepEqual(await indexMethods(store), ['btree', 'gin', 'hnsw'], 'building the index made its GIN and HNSW indexes');
  const embedder = await BiEncoder.load(embedDir, { threads: 1 });
  closers.push(() => embedder.close());
  const vectors = await embedder.embedDocuments(documents.map(passageText));
  const [queryVector] = await embedder.embedQueries(['terminal text editor']);
  const exact = documents.map((d, i) => ({ id: d.id, score: cosine(queryVector, vectors[i]) })).sort((a, b) => b.score - a.score);
  const dense = await index.firstStage('terminal text editor', 'dense', 5);
  assert.deepEqual(dense.map((d) => d.id), exact.slice(0, 5).map((e) => e.id));
  const bm25 = await index.firstStage('terminal text editor', 'bm25', 10);
  const denseAll = await index.firstStage('terminal text editor', 'dense', 10);
  assert.deepEqual(await index.firstStage('terminal text editor', 'hybrid', 10), reciprocalRankFusion([bm25, denseAll]).slice(0, 10));

  const reranker = await CrossEncoder.load((await testModel('tiny-bert')).dir, { threads: 1 });
  closers.push(() => reranker.close());
  const hits = await new Pipeline(index, reranker).search('terminal text editor', { firstStage: 'bm25', candidates: 10, topN: 3 });
  assert.equal(hits.length, 3);
  assert.ok(hits.every((h) => typeof h.rerankScore === 'number' && h.firstStage.stage === 'bm25'));
  assert.ok((hits[0].rerankScore as number) >= (hits[2].rerankScore as number));

  // Reopened from the URL alone, the index knows its model.
  const reopened = await Pipeline.open(url);
  closers.push(() => reopened.close());
  assert.deepEqual((await reopened.search('terminal text editor', { firstStage: 'dense', topN: 5 })).map((h) => h.id), dense.map((d) => d.id));
});

test('the CLI indexes into and searches PostgreSQL; a server that cannot be reached is a one-line error', { skip }, async () => {
  const url = freshUrl();
  const indexed = await runCli(['index', join(repoRoot, 'assets/examples/beir-mini/corpus.jsonl'), '--index', url]);
  assert.equal(indexed.code, 0, indexed.stderr);
  assert.match(indexed.stdout, /^indexed 40 documents into postgres:\/\/.*schema=crossrank_test_\w+ .*BM25 only\); 40 in the index\n$/);
  const searched = await runCli(['search', '--index', url, 'relational database server', '--json', '-k', '2']);
  assert.equal(searched.code, 0, searched.stderr);
  assert.deepEqual((JSON.parse(searched.stdout) as Array<{ firstStage: { stage: string } }>).map((h) => h.firstStage.stage), ['bm25', 'bm25']);
  assertOneLineError(await runCli(['search', '--index', 'postgres://someone:secret@127.0.0.1:1/none', 'q']), /cannot connect to PostgreSQL at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/none/);
});

test('URL parameters are checked before connecting: schema and ef_search', async () => {
  await assert.rejects(openStore('postgres://x@127.0.0.1:1/db?schema=bad-name', { create: true }), (e: Error) => e instanceof InputError && /schema must be a plain SQL identifier/.test(e.message));
  await assert.rejects(openStore('postgres://x@127.0.0.1:1/db?ef_search=0', { create: true }), /ef_search must be an integer from 1 to 1000, got 0/);
  await assert.rejects(openStore('postgres://x@127.0.0.1:1/db?ef_search=2k', { create: true }), /ef_search must be an integer/);
  await assert.rejects(openStore('postgres://x:pw@127.0.0.1:1/db?ef_search=100', { create: true }), /cannot connect to PostgreSQL at postgres:\/\/x:\*\*\*@127\.0\.0\.1:1\/db\?ef_search=100/);
});
