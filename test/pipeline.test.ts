import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BiEncoder } from '../src/embed/biEncoder.js';
import { InputError } from '../src/errors.js';
import { readCorpus } from '../src/eval/beir.js';
import { passageText } from '../src/retrieve/passage.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { Index, type IndexDocument } from '../src/retrieve/searchIndex.js';
import { CrossEncoder } from '../src/rerank/crossEncoder.js';
import { reciprocalRankFusion } from '../src/retrieve/fusion.js';
import { repoRoot } from './support/paths.js';
import { testModel } from './support/testModels.js';

const work = mkdtempSync(join(tmpdir(), 'crossrank-pipeline-'));
let embedDir = '';
let rerankDir = '';
let documents: IndexDocument[] = [];
let denseIndexPath = '';
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  embedDir = (await testModel('tiny-embed')).dir;
  rerankDir = (await testModel('tiny-bert')).dir;
  for await (const document of readCorpus(join(repoRoot, 'assets/examples/beir-mini/corpus.jsonl'))) documents.push(document);
  denseIndexPath = join(work, 'dense.sqlite');
  const index = await Index.build(denseIndexPath, documents, { embedModel: embedDir, embedOptions: { threads: 1 }, batchSize: 7 });
  await index.close();
});
after(async () => {
  for (const cleanup of cleanups) await cleanup();
  rmSync(work, { recursive: true, force: true });
});

async function open(path: string, options: Parameters<typeof Index.open>[1] = {}): Promise<Index> {
  const index = await Index.open(path, { embedOptions: { threads: 1 }, ...options });
  cleanups.push(() => index.close());
  return index;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot; // both are unit vectors (the model normalises)
}

test('a dense index records its model, and dense search is the exact cosine ranking of the embedded passages', async () => {
  const index = await open(denseIndexPath, { create: false });
  assert.equal(await index.count(), documents.length);
  assert.equal(index.settings.embedding?.model, embedDir);
  assert.equal(index.settings.embedding?.queryPrefix, 'query: ');
  const embedder = await BiEncoder.load(embedDir, { threads: 1 });
  cleanups.push(() => embedder.close());
  const vectors = await embedder.embedDocuments(documents.map(passageText));
  const query = 'terminal text editor';
  const [queryVector] = await embedder.embedQueries([query]);
  const expected = documents.map((d, i) => ({ id: d.id, score: cosine(queryVector, vectors[i]) })).sort((a, b) => b.score - a.score);
  const actual = await index.firstStage(query, 'dense', 10);
  assert.deepEqual(actual.map((a) => a.id), expected.slice(0, 10).map((e) => e.id));
  actual.forEach((a, i) => assert.ok(Math.abs(a.score - expected[i].score) < 1e-5));
});

test('hybrid is the reciprocal rank fusion of the BM25 and dense lists', async () => {
  const index = await open(denseIndexPath, { create: false });
  const query = 'compress files to save disk space';
  const bm25 = await index.firstStage(query, 'bm25', 20);
  const dense = await index.firstStage(query, 'dense', 20);
  assert.ok(bm25.length > 3 && dense.length === 20);
  assert.deepEqual(await index.firstStage(query, 'hybrid', 20), reciprocalRankFusion([bm25, dense]).slice(0, 20));
});

test('search reranks the first stage candidates with the cross-encoder and keeps both scores', async () => {
  const reranker = await CrossEncoder.load(rerankDir, { threads: 1 });
  cleanups.push(() => reranker.close());
  const index = await open(denseIndexPath, { create: false });
  const pipeline = new Pipeline(index, reranker);
  const query = 'command line tool to convert images';
  const firstStage = await index.firstStage(query, 'bm25', 8);
  const hits = await pipeline.search(query, { firstStage: 'bm25', candidates: 8, topN: 5 });
  assert.equal(hits.length, 5);
  // Every hit comes from the 8 candidates, with the first stage's own rank and score.
  for (const hit of hits) {
    const rank = firstStage.findIndex((c) => c.id === hit.id) + 1;
    assert.ok(rank >= 1, `${hit.id} was not a candidate`);
    assert.deepEqual(hit.firstStage, { stage: 'bm25', rank, score: firstStage[rank - 1].score });
  }
  // The order is the reranker's: its scores for (query, title + text), best first.
  const byId = new Map(documents.map((d) => [d.id, d]));
  const expected = await reranker.score(firstStage.map((c) => [query, passageText(byId.get(c.id) as IndexDocument)] as const));
  const best = firstStage.map((c, i) => ({ id: c.id, score: expected[i] })).sort((a, b) => b.score - a.score).slice(0, 5);
  assert.deepEqual(hits.map((h) => h.id), best.map((b) => b.id));
  hits.forEach((hit, i) => {
    assert.equal(hit.rank, i + 1);
    assert.ok(Math.abs((hit.rerankScore as number) - best[i].score) < 1e-6);
    assert.equal(hit.text, (byId.get(hit.id) as IndexDocument).text);
  });
  // The reranker did reorder: otherwise this test could not tell reranking from the first stage.
  assert.notDeepEqual(hits.map((h) => h.id), firstStage.slice(0, 5).map((c) => c.id));
});

test('firstStageWeight mixes standardised rerank and first-stage scores into the final order', async () => {
  const reranker = await CrossEncoder.load(rerankDir, { threads: 1 });
  cleanups.push(() => reranker.close());
  const index = await open(denseIndexPath, { create: false });
  const pipeline = new Pipeline(index, reranker);
  const query = 'command line tool to convert images';
  const options = { firstStage: 'bm25' as const, candidates: 8, topN: 8 };
  const pure = await pipeline.search(query, options);

  // By hand: z-scores over the 8 candidates, rerank + 0.5 x first stage.
  const z = (values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return values.map((v) => (v - mean) / sd);
  };
  const rerankZ = z(pure.map((h) => h.rerankScore as number));
  const firstZ = z(pure.map((h) => h.firstStage.score));
  const expected = pure.map((h, i) => ({ id: h.id, score: rerankZ[i] + 0.5 * firstZ[i] })).sort((a, b) => b.score - a.score);
  const mixed = await pipeline.search(query, { ...options, firstStageWeight: 0.5 });
  assert.deepEqual(mixed.map((h) => h.id), expected.map((e) => e.id));
  mixed.forEach((hit, i) => assert.ok(Math.abs(hit.score - expected[i].score) < 1e-9, `${hit.id}: ${hit.score} vs ${expected[i].score}`));
  assert.notDeepEqual(mixed.map((h) => h.id), pure.map((h) => h.id), 'the weight changed nothing: the test could not tell');

  // A weight that swamps the reranker gives back the first stage's order; 0 is the reranker's.
  const swamped = await pipeline.search(query, { ...options, firstStageWeight: 1e6 });
  assert.deepEqual(swamped.map((h) => h.firstStage.rank), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual((await pipeline.search(query, { ...options, firstStageWeight: 0 })).map((h) => h.id), pure.map((h) => h.id));
  pure.forEach((hit) => assert.equal(hit.score, hit.rerankScore));
  await assert.rejects(pipeline.search(query, { firstStageWeight: -1 }), (e: Error) => e instanceof InputError && /firstStageWeight must be a number >= 0, got -1/.test(e.message));
});

test('without a reranker, search returns the first stage order; the default stage is hybrid for a dense index', async () => {
  const index = await open(denseIndexPath, { create: false });
  const pipeline = new Pipeline(index, null);
  assert.equal(pipeline.defaultFirstStage, 'hybrid');
  const hits = await pipeline.search('distributed version control', { topN: 4 });
  const hybrid = await index.firstStage('distributed version control', 'hybrid', 100);
  assert.deepEqual(hits.map((h) => [h.id, h.rerankScore, h.firstStage.stage]), hybrid.slice(0, 4).map((c) => [c.id, null, 'hybrid']));
});

test('documents can be added, replaced and deleted later, and search sees it', async () => {
  const path = join(work, 'changes.sqlite');
  const index = await open(path, { embedModel: embedDir });
  await index.add(documents.slice(0, 10));
  await index.add([{ id: 'new1', title: 'Zstandard notes', text: 'zebra crossing pictures' }]);
  assert.equal(await index.count(), 11);
  assert.deepEqual((await index.firstStage('zebra', 'bm25', 5)).map((h) => h.id), ['new1']);
  await index.add([{ id: 'new1', text: 'now about quokkas' }]);
  assert.deepEqual(await index.firstStage('zebra', 'bm25', 5), []);
  assert.deepEqual((await index.firstStage('quokkas', 'bm25', 5)).map((h) => h.id), ['new1']);
  assert.equal((await index.get(['new1'])).get('new1')?.title, undefined);
  assert.equal(await index.delete(['new1', 'd01']), 2);
  assert.equal(await index.count(), 9);
  const dense = await index.firstStage('quokkas', 'dense', 20);
  assert.ok(!dense.some((h) => h.id === 'new1' || h.id === 'd01'), 'a deleted document still has its vector');
});

test('misuse is an InputError naming the problem', async () => {
  const bm25Path = join(work, 'bm25only.sqlite');
  const bm25Only = await open(bm25Path, { stopwords: false });
  await bm25Only.add(documents.slice(0, 3));
  await assert.rejects(bm25Only.firstStage('x', 'dense', 5), (e: Error) => e instanceof InputError && /needs vectors, and index .* has none/.test(e.message));
  await assert.rejects(open(bm25Path, { stopwords: true }), /built with stopwords kept/);
  await assert.rejects(open(bm25Path, { embedModel: embedDir }), /built without vectors/);
  await assert.rejects(open(join(work, 'absent.sqlite'), { create: false }), /does not exist/);
  await assert.rejects(Pipeline.open(join(work, 'absent.sqlite')), /does not exist/);
  await assert.rejects(bm25Only.add([{ id: '', text: 'x' }]), /has no id/);
  await assert.rejects(bm25Only.firstStage('x', 'bm25', 0), /candidates must be a positive integer/);
  // add and addAll check the batch size alike, before writing anything.
  await assert.rejects(bm25Only.add(documents.slice(3, 4), { batchSize: 0 }), (e: Error) => e instanceof InputError && /batchSize must be a positive integer, got 0/.test(e.message));
  await assert.rejects(bm25Only.addAll(documents.slice(3, 4), { batchSize: 1.5 }), (e: Error) => e instanceof InputError && /batchSize must be a positive integer, got 1\.5/.test(e.message));
  assert.equal(await bm25Only.count(), 3);
  const pipeline = new Pipeline(bm25Only, null);
  await assert.rejects(pipeline.search('   '), /query is empty/);
  // Stopwords were kept, so a stopword finds documents.
  assert.ok((await bm25Only.firstStage('the', 'bm25', 5)).length > 0);
});
