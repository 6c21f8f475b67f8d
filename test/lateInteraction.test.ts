import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TEST_MODELS } from '../scripts/model-gen/testModels.js';
import { LateInteractionModel } from '../src/rerank/lateInteraction.js';
import { assertMatchesReference } from './support/colbertCheck.js';
import { colbertAiIds, MASK, punctuationIds, referenceTextVectors } from './support/colbertOracle.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { testModel } from './support/testModels.js';
import type { ColbertName } from './support/colbertOracle.js';

const NAMES: ColbertName[] = ['tiny-colbert', 'tiny-colbert-vespa', 'tiny-colbert-pylate'];

const QUERIES = [
  'what is late interaction?',
  // Longer than every test model's query length: cut.
  'how does colbert score a document against a query with many more tokens than the query length allows, token by token',
  'berlin',
];
const DOCUMENTS = [
  'ColBERT encodes queries and documents separately; it scores them with MaxSim, token by token!',
  'Berlin is the capital of Germany.',
  // Longer than every test model's document length: cut.
  'A very long document, with commas, full stops. And (parentheses), quotes "like these", and more words than fit in the document length, so that truncation happens before the end.',
  'no punctuation here at all',
];

const opened: LateInteractionModel[] = [];
after(async () => {
  await Promise.all(opened.map((m) => m.close()));
});
async function load(dir: string): Promise<LateInteractionModel> {
  const model = await LateInteractionModel.load(dir, { threads: 1 });
  opened.push(model);
  return model;
}

for (const name of NAMES) {
  const def = TEST_MODELS[name].colbert;

  test(`${name}: query and document ids, markers, [MASK] padding and masks match colbert-ai's tokenizers id for id`, async () => {
    const model = await testModel(name);
    const oracle = RustTokenizer.fromFile(join(model.dir, 'tokenizer.json'));
    const engine = await load(model.dir);
    assert.equal(engine.info.queryMaxLength, def.queryMaxlen);
    assert.equal(engine.info.maxLength, def.docMaxlen);
    assert.equal(engine.info.attendToMaskTokens, def.attendToMaskTokens);
    let padded = 0;
    let cut = 0;
    for (const query of QUERIES) {
      const expected = await colbertAiIds(oracle, query, 'query', def.queryMaxlen, def.attendToMaskTokens);
      const actual = engine.encoder.encodeQuery(query);
      assert.deepEqual(actual.inputIds, expected.inputIds, query);
      assert.deepEqual(actual.attentionMask, expected.attentionMask, query);
      if (actual.inputIds.includes(MASK)) padded++;
      if (!actual.inputIds.includes(MASK)) cut++;
    }
    assert.ok(padded >= 1 && cut >= 1, 'the queries cover padding and cutting');
    const punctuation = await punctuationIds(oracle);
    let dropped = 0;
    for (const document of DOCUMENTS) {
      const expected = await colbertAiIds(oracle, document, 'document', def.docMaxlen, false);
      const actual = engine.encoder.encodeDocument(document);
      assert.deepEqual(actual.inputIds, expected.inputIds, document);
      assert.deepEqual(actual.attentionMask, expected.attentionMask, document);
      assert.deepEqual(actual.kept, expected.inputIds.map((id) => !punctuation.has(id)), document);
      dropped += actual.kept.filter((k) => !k).length;
    }
    assert.ok(dropped >= 3, 'punctuation vectors are dropped');
  });

  test(`${name}: vectors and MaxSim scores equal the float64 reference (1e-4)`, async () => {
    const model = await testModel(name);
    const oracle = RustTokenizer.fromFile(join(model.dir, 'tokenizer.json'));
    const engine = await load(model.dir);
    assert.equal(engine.info.dimension, def.dim);
    await assertMatchesReference(
      engine,
      QUERIES,
      DOCUMENTS,
      (query) => referenceTextVectors(model, name, oracle, query, 'query'),
      (document) => referenceTextVectors(model, name, oracle, document, 'document'),
    );
  });
}

test('rerank orders by MaxSim, best first, and refuses bad input with a one-line error', async () => {
  const model = await testModel('tiny-colbert');
  const engine = await load(model.dir);
  const results = await engine.rerank(QUERIES[0], DOCUMENTS, { returnDocuments: true });
  const scores = await engine.score(DOCUMENTS.map((d) => [QUERIES[0], d] as const));
  assert.deepEqual(
    results.map((r) => r.index),
    scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b),
  );
  assert.equal(results[0].document, DOCUMENTS[results[0].index]);
  await assert.rejects(engine.rerank('', DOCUMENTS), /query is empty/);
  await assert.rejects(engine.encodeDocuments([3 as unknown as string]), /documents\[0\] must be a string/);
});
