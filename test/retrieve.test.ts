import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { readCorpus } from '../src/eval/beir.js';
import { passageText } from '../src/retrieve/passage.js';
import { analyze, analyzedText } from '../src/retrieve/analyzer.js';
import { reciprocalRankFusion } from '../src/retrieve/fusion.js';
import { SqliteStore } from '../src/retrieve/stores/sqlite.js';
import { SCHEMA_VERSION, type DocumentRecord, type IndexSettings, type StoredDocument } from '../src/retrieve/stores/types.js';
import { referenceBm25 } from './reference/bm25Reference.js';
import { repoRoot } from './support/paths.js';
import { seededRandom } from './support/seededRandom.js';
import { cosine } from './support/vectors.js';

const work = mkdtempSync(join(tmpdir(), 'crossrank-retrieve-'));
after(() => rmSync(work, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(work, `index-${files++}.sqlite`);

const EXAMPLE_CORPUS = join(repoRoot, 'assets/examples/beir-mini/corpus.jsonl');
const settings = (dimension: number | null, stopwords = true): IndexSettings => ({
  schema: SCHEMA_VERSION,
  analyzer: { stopwords },
  embedding: dimension === null ? null : { model: '/nowhere', dimension, queryPrefix: '', documentPrefix: '' },
});

async function exampleDocuments(): Promise<StoredDocument[]> {
  const documents: StoredDocument[] = [];
  for await (const document of readCorpus(EXAMPLE_CORPUS)) documents.push(document);
  return documents;
}

function randomVector(random: () => number, dimension: number): Float32Array {
  return Float32Array.from({ length: dimension }, () => random() * 2 - 1);
}

test('the analyzer lowercases, normalises, splits on non-letters and non-digits, drops stopwords on request', () => {
  assert.deepEqual(analyze('The GIMP converts PNG→JPEG, 3.7 MB!', { stopwords: true }), ['gimp', 'converts', 'png', 'jpeg', '3', '7', 'mb']);
  assert.deepEqual(analyze('The cat is on the mat', { stopwords: false }), ['the', 'cat', 'is', 'on', 'the', 'mat']);
  // NFKC composes e + combining acute into é, and folds the full-width letters.
  assert.deepEqual(analyze('Cafe\u0301 ＦＵＬＬ naïve 北京', { stopwords: true }), ['café', 'full', 'naïve', '北京']);
  assert.deepEqual(analyze(' -- ... ', { stopwords: true }), []);
});

test('a huge text analysed a slice at a time gives exactly the terms of the whole', () => {
  const random = seededRandom(1105);
  const pieces = [' ', '  ', 'The', 'Images', 'e\u0301', '\u00b4', 'ﬁle', '①', '中文', 'x'.repeat(50), '...', '.'.repeat(80), '$!', '\n', '\u3000', 'the', 'of', 'İ'];
  const sigmas = ['ΟΔΟΣ', 'Σ', 'Σ.', '.Σ'];
  for (let i = 0; i < 200; i++) {
    let text = '';
    const length = Math.floor(random() * 3000);
    // half the texts have a Σ: they are cut only at spaces
    const from = i % 2 === 0 ? [...pieces, ...sigmas] : pieces;
    while (text.length < length) text += from[Math.floor(random() * from.length)];
    for (const stopwords of [true, false]) {
      const slice = 1 + Math.floor(random() * 64);
      assert.equal(analyzedText(text, { stopwords }, slice), analyze(text, { stopwords }).join(' '), JSON.stringify({ text: text.slice(0, 60), slice }));
    }
  }
});

test('reciprocal rank fusion sums 1/(60 + rank) over the lists, by hand', () => {
  const bm25 = [{ id: 'a', score: 9 }, { id: 'b', score: 5 }, { id: 'c', score: 1 }];
  const dense = [{ id: 'c', score: 0.9 }, { id: 'a', score: 0.8 }, { id: 'd', score: 0.1 }];
  const fused = reciprocalRankFusion([bm25, dense]);
  // a: 1/61 + 1/62; c: 1/63 + 1/61; b: 1/62; d: 1/63.
  assert.deepEqual(fused.map((f) => f.id), ['a', 'c', 'b', 'd']);
  assert.ok(Math.abs(fused[0].score - (1 / 61 + 1 / 62)) < 1e-15);
  assert.ok(Math.abs(fused[1].score - (1 / 63 + 1 / 61)) < 1e-15);
  // Equal fused scores: the better single rank wins, then the id.
  assert.deepEqual(reciprocalRankFusion([[{ id: 'y', score: 1 }, { id: 'x', score: 0 }], [{ id: 'x', score: 1 }, { id: 'y', score: 0 }]]).map((f) => f.id), ['x', 'y']);
});

test('SQLite BM25 equals Okapi BM25 (k1 1.2, b 0.75) computed by hand over the example corpus', async () => {
  const documents = await exampleDocuments();
  const store = SqliteStore.open(freshPath());
  try {
    await store.initialize(settings(null));
    const corpusTerms = documents.map((d) => analyze(passageText(d), { stopwords: true }));
    await store.upsert(documents.map((document, i) => ({ document, terms: corpusTerms[i].join(' ') })));
    for (const query of ['convert images between formats', 'web server web server', 'database in a single file', 'the history of rome']) {
      const terms = analyze(query, { stopwords: true });
      const expectedScores = referenceBm25(corpusTerms, terms);
      const expected = documents
        .map((d, i) => ({ id: d.id, score: expectedScores[i], order: i }))
        .filter((e) => e.score > 0)
        .sort((a, b) => b.score - a.score || a.order - b.order);
      const actual = await store.textSearch(terms, 100);
      assert.deepEqual(actual.map((a) => a.id), expected.map((e) => e.id), query);
      actual.forEach((a, i) => assert.ok(Math.abs(a.score - expected[i].score) < 1e-9, `${query}: ${a.id} ${a.score} vs ${expected[i].score}`));
      assert.deepEqual((await store.textSearch(terms, 3)).map((a) => a.id), expected.slice(0, 3).map((e) => e.id));
    }
    // The query's repeated term counts twice, as in the reference.
    assert.ok((await store.textSearch(['web', 'web'], 1))[0].score > (await store.textSearch(['web'], 1))[0].score * 1.99);
    assert.deepEqual(await store.textSearch([], 10), []);
    assert.deepEqual(await store.textSearch(['zzzunknown'], 10), []);
  } finally {
    await store.close();
  }
});

test('SQLite vector search returns the exact nearest neighbours by cosine similarity', async () => {
  const random = seededRandom(5);
  const dimension = 16;
  const store = SqliteStore.open(freshPath());
  try {
    await store.initialize(settings(dimension));
    const vectors = Array.from({ length: 300 }, () => randomVector(random, dimension));
    const records: DocumentRecord[] = vectors.map((vector, i) => ({ document: { id: `v${i}`, text: `vector ${i}` }, terms: 'vector', vector }));
    await store.upsert(records);
    for (let q = 0; q < 5; q++) {
      const query = randomVector(random, dimension);
      const expected = vectors.map((v, i) => ({ id: `v${i}`, score: cosine(query, v) })).sort((a, b) => b.score - a.score).slice(0, 20);
      const actual = await store.vectorSearch(query, 20);
      assert.deepEqual(actual.map((a) => a.id), expected.map((e) => e.id));
      actual.forEach((a, i) => assert.ok(Math.abs(a.score - expected[i].score) < 1e-5, `${a.score} vs ${expected[i].score}`));
    }
  } finally {
    await store.close();
  }
});

test('upsert replaces by id, delete removes from every table, a failing batch commits nothing', async () => {
  const path = freshPath();
  const store = SqliteStore.open(path);
  try {
    await store.initialize(settings(4));
    const v = (x: number): Float32Array => Float32Array.from([x, 1, 0, 0]);
    await store.upsert([
      { document: { id: 'a', title: 'Alpha', text: 'apples and pears', metadata: { n: 1 } }, terms: 'apples pears', vector: v(1) },
      { document: { id: 'b', text: 'bananas' }, terms: 'bananas', vector: v(-1) },
    ]);
    await store.upsert([{ document: { id: 'a', text: 'cherries' }, terms: 'cherries', vector: v(5) }]);
    assert.equal(await store.count(), 2);
    assert.deepEqual(await store.textSearch(['apples'], 10), [], 'the old terms of a are gone');
    assert.deepEqual((await store.textSearch(['cherries'], 10)).map((r) => r.id), ['a']);
    assert.deepEqual(await store.get(['a', 'missing']), new Map([['a', { id: 'a', text: 'cherries' }]]));
    assert.equal((await store.vectorSearch(v(1), 10)).length, 2, 'one vector per document after the replacement');

    // The second record is invalid (no vector): the whole batch, its valid first record too, is rolled back.
    await assert.rejects(
      store.upsert([
        { document: { id: 'c', text: 'cucumbers' }, terms: 'cucumbers', vector: v(2) },
        { document: { id: 'd', text: 'dates' }, terms: 'dates' },
      ]),
      /the index has vectors but the document has none/,
    );
    assert.equal(await store.count(), 2);
    assert.deepEqual(await store.textSearch(['cucumbers'], 10), []);

    assert.equal(await store.delete(['b', 'nope']), 1);
    assert.equal(await store.count(), 1);
    assert.deepEqual(await store.textSearch(['bananas'], 10), []);
    assert.deepEqual((await store.vectorSearch(v(-1), 10)).map((r) => r.id), ['a']);
  } finally {
    await store.close();
  }
  // Settings and documents persist; the file is a sound SQLite database in WAL mode.
  const reopened = SqliteStore.open(path, { create: false });
  try {
    assert.deepEqual(await reopened.settings(), settings(4));
    assert.equal(await reopened.count(), 1);
  } finally {
    await reopened.close();
  }
  const db = new Database(path, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
});

test('opening: a missing index, or an SQLite file that is not an index, is an error that says so', async () => {
  assert.throws(() => SqliteStore.open(join(work, 'absent.sqlite'), { create: false }), /index .*absent\.sqlite does not exist/);
  const foreign = join(work, 'foreign.sqlite');
  const db = new Database(foreign);
  db.exec('CREATE TABLE t (x)');
  db.close();
  assert.throws(() => SqliteStore.open(foreign), /is an SQLite file but not a crossrank index/);
  const junk = join(work, 'junk.sqlite');
  writeFileSync(junk, 'this is not a database, not even close; it is just some text long enough to have a header');
  assert.throws(() => SqliteStore.open(junk), /cannot be opened/);
});
