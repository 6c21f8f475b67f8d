import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { countRecords, loadBeirDataset, readCorpus, readQrels } from '../src/eval/beir.js';
import { repoRoot } from './support/paths.js';

const work = mkdtempSync(join(tmpdir(), 'crossrank-beir-'));
after(() => rmSync(work, { recursive: true, force: true }));
const DATASET = join(repoRoot, 'assets/examples/beir-mini');

test('the example dataset loads: 40 documents, 14 judged queries, graded qrels', async () => {
  const dataset = await loadBeirDataset(DATASET);
  assert.equal(await countRecords(dataset.corpusPath), 40);
  assert.equal(dataset.queries.size, 14);
  assert.equal(dataset.queries.get('q12'), 'how many people live in Berlin');
  assert.deepEqual(dataset.qrels.get('q01'), new Map([['d01', 2], ['d02', 2], ['d03', 1], ['d31', 0], ['d33', 1]]));
  const first = (await readCorpus(dataset.corpusPath).next()).value;
  assert.deepEqual(first, {
    id: 'd01',
    title: 'ImageMagick',
    text: first?.text,
    metadata: { source: 'crossrank example' },
  });
  assert.match(first?.text ?? '', /^A command line suite/);
});

test('corpus lines: numeric ids become strings, an empty title is dropped, errors name the line', async () => {
  const corpus = join(work, 'corpus.jsonl');
  writeFileSync(corpus, `${JSON.stringify({ _id: 7, title: '', text: 'seven' })}\n\n${JSON.stringify({ _id: 'x', text: 3 })}\n`);
  const reader = readCorpus(corpus);
  assert.deepEqual((await reader.next()).value, { id: '7', text: 'seven' });
  await assert.rejects(reader.next(), /corpus\.jsonl:3: "text" must be a string/);
  writeFileSync(corpus, '{"_id": "a", "text": \n');
  await assert.rejects(readCorpus(corpus).next(), /corpus\.jsonl:1: not valid JSON/);
});

test('qrels: header optional, integer scores, a judgment given twice refused', async () => {
  const path = join(work, 'qrels.tsv');
  writeFileSync(path, 'q1\td1\t1\nq1\td2\t0\nq2\td1\t-1\n');
  assert.deepEqual(await readQrels(path), new Map([['q1', new Map([['d1', 1], ['d2', 0]])], ['q2', new Map([['d1', -1]])]]));
  writeFileSync(path, 'query-id\tcorpus-id\tscore\nq1\td1\t1.5\n');
  await assert.rejects(readQrels(path), /qrels\.tsv:2: score "1\.5" is not an integer/);
  writeFileSync(path, 'q1\td1\t1\nq1\td1\t2\n');
  await assert.rejects(readQrels(path), /qrels\.tsv:2: query q1 judges document d1 twice/);
});

test('a dataset whose qrels judge an unknown query, or that lacks a file, is refused', async () => {
  const dir = join(work, 'broken');
  mkdirSync(join(dir, 'qrels'), { recursive: true });
  await assert.rejects(loadBeirDataset(dir), /not a BEIR dataset: corpus\.jsonl is missing/);
  writeFileSync(join(dir, 'corpus.jsonl'), `${JSON.stringify({ _id: 'd1', text: 'x' })}\n`);
  writeFileSync(join(dir, 'queries.jsonl'), `${JSON.stringify({ _id: 'q1', text: 'x' })}\n`);
  await assert.rejects(loadBeirDataset(dir), /qrels[/\\]test\.tsv does not exist/);
  writeFileSync(join(dir, 'qrels', 'dev.tsv'), 'q9\td1\t1\n');
  await assert.rejects(loadBeirDataset(dir, 'dev'), /judges query q9, which queries\.jsonl does not have/);
});
