import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { assertOneLineError, runCli, type CliRun } from './support/runCli.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { testModel } from './support/testModels.js';

/** Runs the CLI from source, as `crossrank ...`, optionally feeding stdin. */
function crossrank(args: string[], stdin?: string): Promise<CliRun> {
  return runCli(args, { stdin: stdin ?? '' });
}

let modelDir = '';
let work = '';
const docs = ['ImageMagick converts and resizes images.', 'A tiny text editor.', 'Berlin has 3.7 million inhabitants.'];

before(async () => {
  modelDir = (await testModel('tiny-bert')).dir;
  work = mkdtempSync(join(tmpdir(), 'crossrank-cli-'));
  writeFileSync(join(work, 'docs.jsonl'), `${JSON.stringify({ text: docs[0], id: 'a' })}\n${JSON.stringify(docs[1])}\n\n${JSON.stringify({ text: docs[2] })}\n`);
  writeFileSync(join(work, 'bad.jsonl'), `${JSON.stringify({ text: 'fine' })}\n{"text": "broken\n`);
  writeFileSync(join(work, 'notext.jsonl'), `${JSON.stringify({ text: 'fine' })}\n${JSON.stringify({ title: 'no text' })}\n`);
  writeFileSync(join(work, 'empty.jsonl'), '\n\n');
});

test('rerank prints a ranked table, and JSON with --json', async () => {
  const table = await crossrank(['rerank', '--model', modelDir, '--query', 'convert images', '--docs', join(work, 'docs.jsonl')]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0], /rank\s+index\s+score\s+document/);
  assert.equal(lines.length, 4);

  const json = await crossrank(['rerank', '-m', modelDir, '-q', 'convert images', '-d', join(work, 'docs.jsonl'), '--json', '--top-n', '2']);
  assert.equal(json.code, 0, json.stderr);
  const results = JSON.parse(json.stdout) as Array<{ index: number; score: number; document: unknown }>;
  assert.equal(results.length, 2);
  assert.ok(results[0].score >= results[1].score);
  const original = [{ text: docs[0], id: 'a' }, docs[1], { text: docs[2] }];
  results.forEach((r) => assert.deepEqual(r.document, original[r.index]));
  // The table shows the same order.
  assert.match(lines[1], new RegExp(`^\\s+1\\s+${results[0].index}\\s`));
});

test('rerank reads plain text lines from stdin', async () => {
  const run = await crossrank(['rerank', '-m', modelDir, '-q', 'convert images', '--json'], `${docs.join('\n')}\n`);
  assert.equal(run.code, 0, run.stderr);
  const results = JSON.parse(run.stdout) as Array<{ index: number; document: string }>;
  assert.equal(results.length, 3);
  results.forEach((r) => assert.equal(r.document, docs[r.index]));
});

test('tokenize prints the pair encoding, equal to the Hugging Face tokenizer', async () => {
  const query = 'How many people live in Berlin?';
  const doc = 'Berlin has 3.7 million inhabitants, according to the latest census of the city.';
  const run = await crossrank(['tokenize', '-m', modelDir, '-q', query, '--doc', doc, '--max-length', '16']);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { input_ids: number[]; token_type_ids: number[]; attention_mask: number[]; tokens: string[] };
  const expected = await RustTokenizer.fromFile(join(modelDir, 'tokenizer.json')).encodePair(query, doc, 16, 'longest_first');
  assert.ok(!(expected instanceof Error));
  assert.deepEqual(out.input_ids, expected.inputIds);
  assert.deepEqual(out.token_type_ids, expected.tokenTypeIds);
  assert.deepEqual(out.attention_mask, expected.attentionMask);
  assert.deepEqual(out.tokens, expected.tokens);
  assert.equal(out.input_ids.length, 16);
});

test('bad input: one line, non-zero exit, no stack trace', async () => {
  const base = ['rerank', '-m', modelDir, '-q', 'q', '-d'];
  assertOneLineError(await crossrank([...base, join(work, 'bad.jsonl')]), /bad\.jsonl:2: not valid JSON/);
  assertOneLineError(await crossrank([...base, join(work, 'notext.jsonl')]), /notext\.jsonl:2: .*string "text" field/);
  assertOneLineError(await crossrank([...base, join(work, 'empty.jsonl')]), /no documents in .*empty\.jsonl/);
  assertOneLineError(await crossrank([...base, join(work, 'missing.jsonl')]), /missing\.jsonl does not exist/);
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '-q', '   ', '-d', join(work, 'docs.jsonl')]), /query is empty/);
  assertOneLineError(await crossrank(['rerank', '-m', work, '-q', 'q', '-d', join(work, 'docs.jsonl')]), /is not a model directory: config\.json is missing/);
  assertOneLineError(await crossrank(['rerank', '-m', join(work, 'nope'), '-q', 'q', '-d', join(work, 'docs.jsonl')]), /does not exist/);
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '-q', 'q', '-d', join(work, 'docs.jsonl'), '--top-n', 'x']), /--top-n.*invalid/);
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '-q', 'q', '-d', join(work, 'docs.jsonl'), '--variant', 'fp16']), /no fp16 weights/);
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '-d', join(work, 'docs.jsonl')]), /required option '-q, --query <text>'/);
  assertOneLineError(await crossrank(['tokenize', '-m', modelDir, '-q', 'q', '--doc', 'd', '--max-length', '2']), /max length must be an integer from 4 to 512/);
  assertOneLineError(await crossrank(['frobnicate']), /unknown command 'frobnicate'/);
});

test('usage errors: a mistyped flag is named before the required option it misses, one prefix for every error', async () => {
  const docsFile = join(work, 'docs.jsonl');
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '--querry', 'q', '-d', docsFile]), /^crossrank: unknown option '--querry'$/);
  assertOneLineError(await crossrank(['search', '--querry', 'q', '--index', join(work, 'none.sqlite')]), /^crossrank: unknown option '--querry'$/);
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '-q', 'q', '-d', docsFile, '--bogus']), /^crossrank: unknown option '--bogus'$/);
  // What commander reports itself and what crossrank reports share the prefix.
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '-d', docsFile]), /^crossrank: required option '-q, --query <text>' not specified$/);
  assertOneLineError(await crossrank(['frobnicate']), /^crossrank: unknown command 'frobnicate'$/);
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '-q', 'q', '-d', docsFile, '--top-n', 'x']), /^crossrank: option '-k, --top-n <k>' argument 'x' is invalid/);
  assertOneLineError(await crossrank(['rerank', '-m', modelDir, '-q', 'q', '-d', join(work, 'missing.jsonl')]), /^crossrank: .*missing\.jsonl does not exist/);
});
