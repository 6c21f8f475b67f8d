// The reranker families beyond BERT, end to end on generated models in the hub layout:
// XLM-RoBERTa (bge-reranker), ModernBERT inputs (gte-reranker-modernbert), DeBERTa-v3 inputs
// (mxbai-rerank v1): what is fed, scores against the float64 reference, detection from config.json.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CrossEncoder, ModelFormatError } from '../src/index.js';
import { assertOneLineError, runCli } from './support/runCli.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { testModel } from './support/testModels.js';

const QUERY = 'Wie viele Menschen leben in Berlin? 北京人口';
// Mixed lengths and scripts, so one batch pads several of them.
const DOCUMENTS = [
  'Berlin has 3.7 million inhabitants.',
  'x',
  'Tiếng Việt là ngôn ngữ chính thức của Việt Nam; Hà Nội là thủ đô. 東京は日本の首都です。 A much longer document that keeps going about capital cities, populations and census data for a while.',
  'ﾊﾞｽ 👩‍👩‍👧 ＦＵＬＬＷＩＤＴＨ',
  'Größe Straße — München und Zürich',
];

const FAMILIES = [
  { name: 'tiny-xlmr', modelType: 'xlm-roberta', inputs: ['attention_mask', 'input_ids'], pad: 1 },
  { name: 'tiny-modernbert', modelType: 'modernbert', inputs: ['attention_mask', 'input_ids'], pad: 1022 },
  { name: 'tiny-debertav3', modelType: 'deberta-v2', inputs: ['attention_mask', 'input_ids'], pad: 0 },
] as const;

const opened: CrossEncoder[] = [];
const work = mkdtempSync(join(tmpdir(), 'crossrank-families-'));
after(async () => {
  await Promise.all(opened.map((e) => e.close()));
  rmSync(work, { recursive: true, force: true });
});

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`);
}

for (const family of FAMILIES) {
  test(`${family.name}: fed ${family.inputs.join(' + ')} padded with ${family.pad}; scores equal the float64 reference in a mixed-length batch`, async () => {
    const model = await testModel(family.name);
    const encoder = await CrossEncoder.load(model.dir, { threads: 1 });
    opened.push(encoder);
    assert.equal(encoder.info.modelType, family.modelType);
    assert.deepEqual([...encoder.info.inputs].sort(), family.inputs);
    assert.equal(encoder.encoder.padTokenId, family.pad);
    const pairs = DOCUMENTS.map((d) => [QUERY, d] as const);
    const together = await encoder.score(pairs);
    const alone = await Promise.all(pairs.map(async (pair) => (await encoder.score([pair]))[0]));
    const expected = DOCUMENTS.map((d) => {
      const e = encoder.encodePair(QUERY, d);
      const logits = model.reference(e.inputIds, e.tokenTypeIds);
      // Two-label heads (mxbai v1 style) score P(relevant) by softmax, one-label heads the raw logit.
      return logits.length === 2 ? 1 / (1 + Math.exp(logits[0] - logits[1])) : logits[0];
    });
    together.forEach((score, i) => {
      assertClose(score, expected[i], 1e-4, `document ${i}`);
      assertClose(alone[i], score, 1e-5, `document ${i} alone vs batched`);
    });
    const lengths = DOCUMENTS.map((d) => encoder.encodePair(QUERY, d).inputIds.length);
    assert.ok(Math.max(...lengths) > 2 * Math.min(...lengths), `lengths ${lengths}: the batch must pad`);
    assert.ok(Math.max(...expected) - Math.min(...expected) > 0.01, `scores spread ${Math.max(...expected) - Math.min(...expected)}`);
  });

  test(`${family.name}: crossrank rerank --model <dir> ranks by those scores; crossrank tokenize prints the Rust binding's ids`, async () => {
    const model = await testModel(family.name);
    const docsFile = join(work, `${family.name}.jsonl`);
    writeFileSync(docsFile, DOCUMENTS.map((text) => JSON.stringify({ text })).join('\n'));
    const run = await runCli(['rerank', '--model', model.dir, '--query', QUERY, '--docs', docsFile, '--json', '--threads', '1']);
    assert.equal(run.code, 0, run.stderr);
    const ranked = JSON.parse(run.stdout) as { results: { index: number; score: number }[] } | { index: number; score: number }[];
    const results = Array.isArray(ranked) ? ranked : ranked.results;
    assert.equal(results.length, DOCUMENTS.length);
    for (let i = 1; i < results.length; i++) assert.ok(results[i - 1].score >= results[i].score, 'sorted best first');

    const doc = DOCUMENTS[2];
    const tokenize = await runCli(['tokenize', '-m', model.dir, '-q', QUERY, '--doc', doc, '--max-length', '24']);
    assert.equal(tokenize.code, 0, tokenize.stderr);
    const out = JSON.parse(tokenize.stdout) as { input_ids: number[]; token_type_ids: number[]; attention_mask: number[] };
    const expected = await RustTokenizer.fromFile(join(model.dir, 'tokenizer.json')).encodePair(QUERY, doc, 24, 'longest_first');
    assert.ok(!(expected instanceof Error));
    assert.deepEqual(out.input_ids, expected.inputIds);
    assert.deepEqual(out.token_type_ids, expected.tokenTypeIds);
    assert.deepEqual(out.attention_mask, expected.attentionMask);
    assert.equal(out.input_ids.length, 24);
  });
}

/** A copy of `name`'s directory with config.json (or tokenizer.json) edited. */
async function editedCopy(name: (typeof FAMILIES)[number]['name'], file: string, edit: (json: Record<string, unknown>) => void): Promise<string> {
  const dir = join(work, `${name}-${file}-${Math.random().toString(36).slice(2)}`);
  cpSync((await testModel(name)).dir, dir, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(join(dir, file), JSON.stringify(json));
  return dir;
}

test('family detection: unsupported model_type, architectures-only configs, an unsupported tokenizer model', async () => {
  const t5 = await editedCopy('tiny-xlmr', 'config.json', (c) => {
    c.model_type = 't5';
    c.architectures = ['T5ForConditionalGeneration'];
  });
  await assert.rejects(
    CrossEncoder.load(t5),
    (e: Error) => e instanceof ModelFormatError && /model_type t5 \(T5ForConditionalGeneration\) is not supported; crossrank runs encoder rerankers of model_type bert, .*xlm-roberta.*deberta-v2, modernbert/.test(e.message),
  );
  assertOneLineError(await runCli(['tokenize', '-m', t5, '-q', 'q', '--doc', 'd']), /model_type t5 .* is not supported/);

  const noType = await editedCopy('tiny-debertav3', 'config.json', (c) => delete c.model_type);
  const encoder = await CrossEncoder.load(noType, { threads: 1 });
  opened.push(encoder);
  assert.equal(encoder.info.modelType, 'deberta-v2');

  const wordLevel = await editedCopy('tiny-xlmr', 'tokenizer.json', (t) => {
    (t.model as Record<string, unknown>).type = 'WordLevel';
  });
  await assert.rejects(CrossEncoder.load(wordLevel), /tokenizer\.json: model type WordLevel is not supported; crossrank encodes WordPiece, BPE, Unigram tokenizers/);
});
