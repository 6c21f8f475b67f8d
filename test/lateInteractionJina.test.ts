import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { colbertProjection } from '../scripts/model-gen/colbert.js';
import { TEST_MODELS, XLMR_SPM_VOCAB_SIZE } from '../scripts/model-gen/testModels.js';
import { detectRerankerKind } from '../src/model/index.js';
import { LateInteractionModel } from '../src/rerank/lateInteraction.js';
import { PUNCTUATION } from '../src/rerank/lateInteractionSettings.js';
import { loadReranker } from '../src/rerank/loadReranker.js';
import { referenceColbertVectors } from './reference/colbertReference.js';
import { assertMatchesReference } from './support/colbertCheck.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { testModel, type TestModel } from './support/testModels.js';

/**
 * jinaai/jina-colbert-v2's layout on the generated model tiny-colbert-jina. The expected ids are
 * fastembed's JinaColbert steps replayed on the Rust tokenizer: the text tokenized alone
 * (`<s> text </s>`), the marker inserted at position 1 ([QueryMarker] / [DocumentMarker], the
 * tokens after <mask>: 250002 / 250003 in the real vocabulary), a query padded with <mask> to 32
 * with attention mask 1 everywhere; plus colbert-ai's cut at the query and document lengths.
 */
const NAME = 'tiny-colbert-jina';
const def = TEST_MODELS[NAME].colbert;
const MASK = XLMR_SPM_VOCAB_SIZE - 1;
const MARKERS = { query: XLMR_SPM_VOCAB_SIZE, document: XLMR_SPM_VOCAB_SIZE + 1 };

const QUERIES = [
  'what is late interaction?',
  // More than 32 tokens: cut.
  'how does a multilingual colbert model score a document against a query with many more tokens than the query length of thirty two allows, token by token, across languages and scripts',
  'berlin',
];
const DOCUMENTS = [
  'ColBERT encodes queries and documents separately; it scores them with MaxSim, token by token!',
  'Berlin is the capital of Germany.',
  'Quotes "like these", (parentheses), and full stops. Commas, too.',
  'no punctuation here at all',
];

const opened: LateInteractionModel[] = [];
after(async () => {
  await Promise.all(opened.map((m) => m.close()));
});
async function load(dir: string, dimension?: number): Promise<LateInteractionModel> {
  const model = await LateInteractionModel.load(dir, { threads: 1, dimension });
  opened.push(model);
  return model;
}

async function jinaIds(oracle: RustTokenizer, text: string, kind: 'query' | 'document') {
  const maxLength = kind === 'query' ? def.queryMaxlen : def.docMaxlen;
  const encoding = await oracle.encodeSingle(text, maxLength - 1);
  const inputIds = [...encoding.inputIds];
  inputIds.splice(1, 0, MARKERS[kind]);
  const attentionMask = [...encoding.attentionMask, 1];
  if (kind === 'query') {
    while (inputIds.length < maxLength) inputIds.push(MASK);
    attentionMask.fill(1);
    while (attentionMask.length < maxLength) attentionMask.push(1);
  }
  return { inputIds, attentionMask };
}

/** fastembed's and colbert-ai's skiplist: the first id of each punctuation character tokenized alone. */
async function punctuationIds(oracle: RustTokenizer): Promise<Set<number>> {
  const ids = new Set<number>();
  for (const symbol of PUNCTUATION) ids.add((await oracle.encodeSingle(symbol, 16)).inputIds[1]);
  return ids;
}

function referenceVectors(model: TestModel, ids: { inputIds: number[]; attentionMask: number[] }, keep: number): number[][] {
  const states = model.hiddenStatesMasked(ids.inputIds, ids.inputIds.map(() => 0), ids.attentionMask);
  return referenceColbertVectors(states, colbertProjection(model.spec, def.dim), def.dim, keep);
}

test('tiny-colbert-jina: detected from its marker tokens and loaded by loadReranker as late interaction', async () => {
  const model = await testModel(NAME);
  const oracle = RustTokenizer.fromFile(join(model.dir, 'tokenizer.json'));
  // The markers are single added tokens of the tokenizer, as in jina-colbert-v2's.
  assert.deepEqual((await oracle.encodeSingle('[QueryMarker]', 8)).inputIds, [0, MARKERS.query, 2]);
  assert.deepEqual((await oracle.encodeSingle('[DocumentMarker]', 8)).inputIds, [0, MARKERS.document, 2]);
  assert.equal(detectRerankerKind(model.dir), 'late-interaction');
  assert.equal(detectRerankerKind((await testModel('tiny-xlmr')).dir), 'cross-encoder', 'an XLM-R tokenizer without the markers stays a cross-encoder');
  const reranker = await loadReranker(model.dir, { threads: 1 });
  try {
    assert.ok(reranker instanceof LateInteractionModel);
    assert.equal(reranker.info.settingsSource, 'jina-colbert-v2 conventions');
    assert.equal(reranker.info.modelType, 'xlm-roberta');
    assert.equal(reranker.info.dimension, def.dim);
  } finally {
    await reranker.close();
  }
  const cut = await loadReranker(model.dir, { threads: 1, dimension: def.dim / 2 });
  try {
    assert.ok(cut instanceof LateInteractionModel);
    assert.equal((await cut.encodeQuery('berlin')).dimension, def.dim / 2, 'loadReranker passes the Matryoshka dimension on');
  } finally {
    await cut.close();
  }
});

test('tiny-colbert-jina: query and document ids, markers, <mask> padding and masks match jina conventions id for id', async () => {
  const model = await testModel(NAME);
  const oracle = RustTokenizer.fromFile(join(model.dir, 'tokenizer.json'));
  const engine = await load(model.dir);
  assert.equal(engine.info.queryMaxLength, def.queryMaxlen);
  assert.equal(engine.info.maxLength, def.docMaxlen);
  assert.equal(engine.info.attendToMaskTokens, true);
  let padded = 0;
  let cut = 0;
  for (const query of QUERIES) {
    const expected = await jinaIds(oracle, query, 'query');
    const actual = engine.encoder.encodeQuery(query);
    assert.equal(actual.inputIds.length, def.queryMaxlen);
    assert.deepEqual(actual.inputIds, expected.inputIds, query);
    assert.deepEqual(actual.attentionMask, expected.attentionMask, query);
    assert.equal(actual.inputIds[1], MARKERS.query);
    if (actual.inputIds.includes(MASK)) padded++;
    else cut++;
  }
  assert.ok(padded >= 1 && cut >= 1, `the queries cover padding (${padded}) and cutting (${cut})`);
  const punctuation = await punctuationIds(oracle);
  let dropped = 0;
  for (const document of DOCUMENTS) {
    const expected = await jinaIds(oracle, document, 'document');
    const actual = engine.encoder.encodeDocument(document);
    assert.deepEqual(actual.inputIds, expected.inputIds, document);
    assert.deepEqual(actual.attentionMask, expected.attentionMask, document);
    assert.equal(actual.inputIds[1], MARKERS.document);
    assert.deepEqual(actual.kept, expected.inputIds.map((id) => !punctuation.has(id)), document);
    dropped += actual.kept.filter((k) => !k).length;
  }
  assert.ok(dropped >= 3, `punctuation vectors are dropped (${dropped})`);
});

for (const dimension of [def.dim, def.dim / 2]) {
  test(`tiny-colbert-jina: vectors and MaxSim scores equal the float64 reference at dimension ${dimension} of ${def.dim} (1e-4)`, async () => {
    const model = await testModel(NAME);
    const oracle = RustTokenizer.fromFile(join(model.dir, 'tokenizer.json'));
    const engine = await load(model.dir, dimension === def.dim ? undefined : dimension);
    assert.equal(engine.info.dimension, dimension);
    assert.equal(engine.info.outputDimension, def.dim);
    const punctuation = await punctuationIds(oracle);
    await assertMatchesReference(
      engine,
      QUERIES,
      DOCUMENTS,
      async (query) => referenceVectors(model, await jinaIds(oracle, query, 'query'), dimension),
      async (document) => {
        const ids = await jinaIds(oracle, document, 'document');
        return referenceVectors(model, ids, dimension).filter((_, t) => !punctuation.has(ids.inputIds[t]));
      },
    );
  });
}

test('tiny-colbert-jina: a Matryoshka dimension above the output width is refused with a one-line error', async () => {
  const model = await testModel(NAME);
  await assert.rejects(LateInteractionModel.load(model.dir, { threads: 1, dimension: def.dim + 1 }), { name: 'InputError', message: `dimension must be at most ${def.dim} for this model (its output width), got ${def.dim + 1}` });
  await assert.rejects(LateInteractionModel.load(model.dir, { threads: 1, dimension: 0 }), /dimension/);
});
