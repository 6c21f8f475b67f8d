import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadBeirDataset } from '../src/eval/beir.js';
import { CrossEncoder } from '../src/index.js';
import { evaluateRun, trecOrder, type RetrievedDocument } from '../src/eval/metrics.js';
import { Index } from '../src/retrieve/searchIndex.js';
import { repoRoot } from './support/paths.js';
import { assertOneLineError, runCli } from './support/runCli.js';
import { testModel } from './support/testModels.js';

const DATASET = join(repoRoot, 'assets/examples/beir-mini');
const work = mkdtempSync(join(tmpdir(), 'crossrank-search-cli-'));
let embedDir = '';
let rerankDir = '';
const indexPath = join(work, 'mini.sqlite');

before(async () => {
  embedDir = (await testModel('tiny-embed')).dir;
  rerankDir = (await testModel('tiny-bert')).dir;
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Reads a TREC run file back as trec_eval would. */
function readTrecRun(path: string): Map<string, RetrievedDocument[]> {
  const run = new Map<string, RetrievedDocument[]>();
  for (const line of readFileSync(path, 'utf8').trim().split('\n')) {
    const [queryId, q0, id, rank, score, tag] = line.split(/\s+/);
    assert.equal(q0, 'Q0');
    assert.ok(Number(rank) >= 1 && tag.startsWith('crossrank-'));
    run.set(queryId, [...(run.get(queryId) ?? []), { id, score: Number(score) }]);
  }
  return run;
}

test('index builds an SQLite index with vectors from a corpus.jsonl', async () => {
  const run = await runCli(['index', join(DATASET, 'corpus.jsonl'), '--index', indexPath, '--embed-model', embedDir, '--docs-per-commit', '16', '--threads', '1']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^indexed 40 documents into .*mini\.sqlite in [\d.]+ s \(\d+ documents\/s, vectors by .*tiny-embed\); 40 in the index\n$/);
  assert.equal(run.stderr, '', 'no progress bar when stderr is not a terminal');
});

test('search shows the reranked order with both scores, and --json gives the same hits', async () => {
  const table = await runCli(['search', '--index', indexPath, 'convert images to another format', '--rerank-model', rerankDir, '--first-stage', 'bm25', '-k', '3', '--threads', '1']);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0], /rank\s+id\s+rerank\s+bm25 \(rank\)\s+document/);
  assert.equal(lines.length, 4);
  const json = await runCli(['search', '--index', indexPath, 'convert images to another format', '--rerank-model', rerankDir, '--first-stage', 'bm25', '-k', '3', '--json', '--threads', '1']);
  assert.equal(json.code, 0, json.stderr);
  const hits = JSON.parse(json.stdout) as Array<{ rank: number; id: string; rerankScore: number; firstStage: { stage: string; rank: number; score: number } }>;
  assert.equal(hits.length, 3);
  hits.forEach((hit, i) => {
    assert.equal(hit.rank, i + 1);
    assert.equal(hit.firstStage.stage, 'bm25');
    assert.match(lines[i + 1], new RegExp(`^\\s+${i + 1}\\s+${hit.id}\\s+${hit.rerankScore.toFixed(6)}\\s+${hit.firstStage.score.toFixed(4)} \\(${hit.firstStage.rank}\\)`));
  });
  assert.ok(hits[0].rerankScore >= hits[1].rerankScore && hits[1].rerankScore >= hits[2].rerankScore);
});

test('search without a reranker on a dense index: hybrid first stage, no rerank score', async () => {
  const run = await runCli(['search', '--index', indexPath, 'relational database', '--json', '-k', '2', '--threads', '1']);
  assert.equal(run.code, 0, run.stderr);
  const hits = JSON.parse(run.stdout) as Array<{ rerankScore: null; firstStage: { stage: string } }>;
  assert.deepEqual(hits.map((h) => [h.firstStage.stage, h.rerankScore]), [['hybrid', null], ['hybrid', null]]);
});

test('eval writes metrics, TREC runs that trec_eval would score the same, and a self-contained report', async () => {
  const out = join(work, 'eval-out');
  const run = await runCli(['eval', '--dataset', DATASET, '--index', indexPath, '--rerank-model', rerankDir, '--out', out, '--threads', '1']);
  assert.equal(run.code, 0, run.stderr);
  const table = run.stdout.trim().split('\n');
  assert.match(table[0], /^run\s+nDCG@10\s+MRR@10\s+Recall@100\s+MAP\s+queries\s+ms\/query$/);
  assert.deepEqual(table.slice(1, 7).map((line) => line.split(/\s+/)[0]), ['bm25', 'bm25+rerank', 'dense', 'dense+rerank', 'hybrid', 'hybrid+rerank']);

  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as {
    runs: Array<{ name: string; mean: Record<string, number>; evaluated: number; judged: number; perQuery: Record<string, Record<string, number>> }>;
  };
  const dataset = await loadBeirDataset(DATASET);
  for (const entry of metrics.runs) {
    // The run file, read back, gives the same figures: the file is what was evaluated.
    const fromFile = evaluateRun(dataset.qrels, readTrecRun(join(out, 'runs', `${entry.name}.trec`)));
    for (const [key, value] of Object.entries(entry.mean)) assert.ok(Math.abs(value - fromFile.mean[key as keyof typeof fromFile.mean]) < 1e-12, `${entry.name} ${key}`);
    // 14 judged queries; q14 has only non-relevant judgments and still counts (as 0).
    assert.equal(entry.judged, 14);
    assert.equal(entry.evaluated, 14);
    assert.deepEqual(entry.perQuery.q14, { ndcg10: 0, mrr10: 0, recall100: 0, map: 0 });
  }
  // The BM25 run is the index's BM25 first stage, 100 deep, in trec_eval's order (ties by id, descending).
  const index = await Index.open(indexPath, { create: false });
  try {
    const bm25 = readTrecRun(join(out, 'runs', 'bm25.trec'));
    assert.deepEqual(bm25.get('q03'), trecOrder(await index.firstStage(dataset.queries.get('q03') as string, 'bm25', 100)));
  } finally {
    await index.close();
  }
  // BM25 on the example set is far from random: its judged documents share words with the queries.
  const bm25Mean = metrics.runs.find((r) => r.name === 'bm25')?.mean;
  assert.ok((bm25Mean?.ndcg10 ?? 0) > 0.7, `BM25 nDCG@10 ${bm25Mean?.ndcg10}`);

  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.equal((html.match(/<svg /g) ?? []).length, 4, 'one metrics chart and a gain chart per first stage');
  assert.match(html, /Reranking gain per query: bm25/);
  assert.doesNotMatch(html, /<script|<link|src="http|href="http|url\(/, 'the report must load nothing from outside');
});

test('eval --chunk scores each candidate by its best window, as rerank --chunk does', async () => {
  // documents longer than tiny-bert's 512 positions, what they are about at the end
  const dataset = join(work, 'long-docs');
  mkdirSync(join(dataset, 'qrels'), { recursive: true });
  const filler = (seed: number): string => Array.from({ length: 600 }, (_, i) => ['river', 'stone', 'cloud', 'paper', 'window', 'garden'][(i * seed) % 6]).join(' ');
  const endings = ['convert images between formats', 'a relational database server', 'edit photos and pictures', 'a web proxy server'];
  writeFileSync(join(dataset, 'corpus.jsonl'), endings.map((end, i) => JSON.stringify({ _id: `d${i}`, text: `${filler(i + 1)} ${end}` })).join('\n'));
  writeFileSync(join(dataset, 'queries.jsonl'), [JSON.stringify({ _id: 'q0', text: 'image conversion tool' }), JSON.stringify({ _id: 'q1', text: 'database' })].join('\n'));
  writeFileSync(join(dataset, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq0\td0\t1\nq1\td1\t1\n');
  const rerankRun = async (flags: string[]): Promise<string[][]> => {
    const out = join(work, `eval-chunk${flags.length}`);
    const run = await runCli(['eval', '--dataset', dataset, '--model', rerankDir, '--out', out, '--threads', '1', ...flags]);
    assert.equal(run.code, 0, run.stderr);
    return readFileSync(join(out, 'runs', 'bm25+rerank.trec'), 'utf8').trim().split('\n').map((line) => line.split(/\s+/));
  };
  const whole = await rerankRun([]);
  const chunked = await rerankRun(['--chunk']);
  assert.equal(chunked.length, whole.length);
  assert.notDeepEqual(chunked.map((r) => r[4]), whole.map((r) => r[4]), 'windows must change the scores of documents longer than the model');
  // the library's chunked scores, for the same pairs (eval reads a document as its text here: no titles)
  const queries = new Map([['q0', 'image conversion tool'], ['q1', 'database']]);
  const encoder = await CrossEncoder.load(rerankDir, { threads: 1, chunking: true }); // eval's default variant too
  try {
    const scores = await encoder.score(chunked.map(([queryId, , id]) => [queries.get(queryId)!, `${filler(Number(id.slice(1)) + 1)} ${endings[Number(id.slice(1))]}`] as [string, string]));
    chunked.forEach(([queryId, , id, , score], i) => assert.ok(Math.abs(Number(score) - scores[i]) < 1e-5, `${queryId} ${id}: ${score} vs ${scores[i]}`));
  } finally {
    await encoder.close();
  }
  assertOneLineError(await runCli(['eval', '--dataset', dataset, '--chunk-window', '0']), /--chunk-window/);
});

test('eval --first-stage-weight adds the interpolated run, and each reranked run is compared with its first stage query by query', async () => {
  const out = join(work, 'eval-weight');
  const run = await runCli(['eval', '--dataset', DATASET, '--index', indexPath, '--first-stage', 'bm25', '--rerank-model', rerankDir, '--first-stage-weight', '0.5', '--out', out, '--threads', '1']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(1, 4).map((line) => line.split(/\s+/)[0]), ['bm25', 'bm25+rerank', 'bm25+rerank+bm25@0.5']);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as {
    runs: Array<{ name: string; perQuery: Record<string, { ndcg10: number }> }>;
    rerankVsFirstStage: Array<{ run: string; base: string; result: { better: number; worse: number; unchanged: number; signTestP: number } }>;
  };
  assert.deepEqual(metrics.rerankVsFirstStage.map((c) => [c.run, c.base]), [['bm25+rerank', 'bm25'], ['bm25+rerank+bm25@0.5', 'bm25']]);
  const perQuery = (name: string) => metrics.runs.find((r) => r.name === name)!.perQuery;
  for (const { run: name, result } of metrics.rerankVsFirstStage) {
    // The counts are the per-query nDCG@10 differences of the two runs in the same file.
    const gains = Object.entries(perQuery(name)).map(([id, m]) => m.ndcg10 - perQuery('bm25')[id].ndcg10);
    assert.deepEqual([result.better, result.worse, result.unchanged], [gains.filter((g) => g > 1e-12).length, gains.filter((g) => g < -1e-12).length, gains.filter((g) => Math.abs(g) <= 1e-12).length]);
    assert.ok(lines.some((line) => line.startsWith(`${name} vs bm25, nDCG@10 per query: ${result.better} better, ${result.worse} worse, ${result.unchanged} unchanged (sign test p = `)), run.stdout);
  }
  assertOneLineError(await runCli(['eval', '--dataset', DATASET, '--first-stage-weight', 'abc']), /option '-w, --first-stage-weight <w>' argument 'abc' is invalid\. expected a number >= 0\./);
  assertOneLineError(await runCli(['search', '--index', indexPath, 'q', '--first-stage-weight', 'abc']), /argument 'abc' is invalid\. expected a number >= 0\./);
});

test('eval without --index builds a temporary BM25 index and evaluates the first stage alone', async () => {
  const out = join(work, 'eval-bm25');
  const run = await runCli(['eval', '--dataset', DATASET, '--out', out, '--candidates', '20']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n').slice(1, -1).map((line) => line.split(/\s+/)[0]), ['bm25']);
  assert.ok(existsSync(join(out, 'runs', 'bm25.trec')));
  const depth = Math.max(...[...readTrecRun(join(out, 'runs', 'bm25.trec')).values()].map((docs) => docs.length));
  assert.ok(depth <= 20);
});

test('index --delete removes documents', async () => {
  const copy = join(work, 'delete.sqlite');
  cpSync(indexPath, copy);
  const run = await runCli(['index', '--index', copy, '--delete', 'd01,d02,nope']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, `deleted 2 of 3 documents from ${copy} (38 left)\n`);
});

test('CLI errors are one line naming the problem', async () => {
  const badCorpus = join(work, 'bad.jsonl');
  writeFileSync(badCorpus, `${JSON.stringify({ _id: 'a', text: 'fine' })}\n${JSON.stringify({ _id: 'b', title: 'no text' })}\n`);
  assertOneLineError(await runCli(['index', badCorpus, '--index', join(work, 'bad.sqlite')]), /bad\.jsonl:2: "text" must be a string/);
  assertOneLineError(await runCli(['index', '--index', join(work, 'x.sqlite')]), /give a corpus file to add, or --delete <ids>/);
  assertOneLineError(await runCli(['search', '--index', join(work, 'missing.sqlite'), 'query']), /index .*missing\.sqlite does not exist/);
  assertOneLineError(await runCli(['search', '--index', indexPath, 'q', '--first-stage', 'fuzzy']), /argument 'fuzzy' is invalid/);
  assertOneLineError(await runCli(['eval', '--dataset', join(work, 'nowhere')]), /dataset directory .*nowhere does not exist/);
  assertOneLineError(await runCli(['eval', '--dataset', DATASET, '--first-stage', 'bm25,magic', '--out', join(work, 'o')]), /--first-stage: magic is not one of bm25, dense, late, hybrid/);
  const bm25Index = join(work, 'bm25.sqlite');
  assert.equal((await runCli(['index', join(DATASET, 'corpus.jsonl'), '--index', bm25Index])).code, 0);
  assertOneLineError(await runCli(['search', '--index', bm25Index, 'q', '--first-stage', 'dense']), /needs vectors, and index .* has none/);
});

test('an --index that looks like a URL but is not a PostgreSQL one is an error, never a new SQLite file', async () => {
  const corpus = join(DATASET, 'corpus.jsonl');
  const cases: Array<[string, RegExp]> = [
    ['?schema=mini', /^crossrank: index \?schema=mini looks like part of a PostgreSQL URL \(is the variable before it empty\?\)/],
    ['mini?schema=mini', /looks like part of a PostgreSQL URL/],
    ['mysql://user:secret@localhost/db', /^crossrank: index mysql:\/\/user:\*\*\*@localhost\/db is a URL but not postgres:\/\/ or postgresql:\/\//],
  ];
  for (const [location, error] of cases) {
    const run = await runCli(['index', corpus, '--index', location]); // relative: it would land in the checkout
    assertOneLineError(run, error);
    assert.doesNotMatch(run.stderr, /secret/, 'the password is not shown');
    assert.equal(existsSync(join(repoRoot, location)), false, `no file named ${location} was created`);
  }
  assertOneLineError(await runCli(['search', '--index', 'postgres://[bad', 'q']), /not a valid PostgreSQL URL/);
});
