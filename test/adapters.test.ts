import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rerank } from 'ai';
import { Document as LangChainDocument } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { MetadataMode, TextNode } from '@llamaindex/core/schema';
import { crossrankRerankingModel } from '../src/adapters/aiSdk.js';
import { CrossrankCompressor } from '../src/adapters/langchain.js';
import { CrossrankPostprocessor } from '../src/adapters/llamaindex.js';
import { CrossEncoder } from '../src/rerank/crossEncoder.js';
import { testModel } from './support/testModels.js';

// Each adapter against its real framework package: the AI SDK's rerank(), LangChain's
// BaseDocumentCompressor, LlamaIndex's node types. The expected order and scores are
// CrossEncoder.rerank's own, which the exactness tests hold to the float64 reference.
const QUERY = 'how do I resize images';
const TEXTS = [
  'Berlin has 3.7 million inhabitants.',
  'ImageMagick converts and resizes images from the command line.',
  'A tiny text editor.',
  'GIMP edits and resizes pictures.',
];

let encoder: CrossEncoder;
let expected: Array<{ index: number; score: number }>;

before(async () => {
  encoder = await CrossEncoder.load((await testModel('tiny-bert')).dir, { variant: 'fp32', threads: 1 });
  expected = await encoder.rerank(QUERY, TEXTS);
  assert.notDeepEqual(expected.map((r) => r.index), [0, 1, 2, 3], 'the test needs a ranking that reorders');
});
after(() => encoder.close());

test('ai-sdk: rerank() from the AI SDK with the crossrank model, text and object documents, topN', async () => {
  const model = crossrankRerankingModel(encoder, { modelId: 'tiny-bert' });
  assert.equal(model.specificationVersion, 'v3');
  const result = await rerank({ model, query: QUERY, documents: TEXTS, maxRetries: 0 });
  assert.deepEqual(result.ranking.map(({ originalIndex, score }) => ({ index: originalIndex, score })), expected);
  assert.deepEqual(result.rerankedDocuments, expected.map(({ index }) => TEXTS[index]));

  const objects = TEXTS.map((text, i) => ({ text, id: i }));
  const top = await rerank({ model, query: QUERY, documents: objects, topN: 2, maxRetries: 0 });
  assert.deepEqual(top.ranking.map((r) => r.originalIndex), expected.slice(0, 2).map((r) => r.index));
  assert.deepEqual(top.rerankedDocuments, expected.slice(0, 2).map(({ index }) => objects[index]));

  // An object without the text field is scored as its JSON text, as the AI SDK's Cohere provider sends it.
  const [plain] = await rerank({ model, query: QUERY, documents: [{ title: TEXTS[1]! }], maxRetries: 0 }).then((r) => r.ranking);
  assert.equal(plain!.score, (await encoder.score([[QUERY, JSON.stringify({ title: TEXTS[1] })]]))[0]);
});

test('ai-sdk: an aborted call rejects with its reason', async () => {
  const model = crossrankRerankingModel(encoder);
  const controller = new AbortController();
  controller.abort(new Error('caller gave up'));
  await assert.rejects(async () => model.doRerank({ query: QUERY, documents: { type: 'text', values: TEXTS }, abortSignal: controller.signal }), /caller gave up/);
});

test('langchain: a BaseDocumentCompressor that returns new Documents best first with metadata.relevanceScore', async () => {
  const compressor = new CrossrankCompressor(encoder, { topN: 3 });
  assert.ok(compressor instanceof BaseDocumentCompressor);
  assert.ok(BaseDocumentCompressor.isBaseDocumentCompressor(compressor));
  const documents = TEXTS.map((text, i) => new LangChainDocument({ pageContent: text, metadata: { source: `doc-${i}` }, id: `id-${i}` }));
  const compressed = await compressor.compressDocuments(documents, QUERY);
  assert.deepEqual(
    compressed.map((d) => ({ pageContent: d.pageContent, id: d.id, metadata: d.metadata })),
    expected.slice(0, 3).map(({ index, score }) => ({ pageContent: TEXTS[index], id: `id-${index}`, metadata: { source: `doc-${index}`, relevanceScore: score } })),
  );
  assert.deepEqual(documents[0]!.metadata, { source: 'doc-0' }, 'the input documents are not changed');
  assert.deepEqual(await compressor.compressDocuments([], QUERY), []);
});

test('llamaindex: a node postprocessor that reorders nodes with the reranker score', async () => {
  const nodes = TEXTS.map((text, i) => ({ node: new TextNode({ text, id_: `node-${i}`, metadata: { source: `doc-${i}` } }), score: 1 - i / 10 }));
  const all = await new CrossrankPostprocessor(encoder).postprocessNodes(nodes, QUERY);
  assert.deepEqual(all.map(({ node, score }) => ({ id: node.id_, score })), expected.map(({ index, score }) => ({ id: `node-${index}`, score })));
  assert.equal(all[0]!.node, nodes[expected[0]!.index]!.node, 'the same node objects come back');

  // A chat-style query (MessageContent parts), topN; text only by default, or with metadata.
  const top = await new CrossrankPostprocessor(encoder, { topN: 2 }).postprocessNodes(nodes, [{ type: 'text', text: QUERY }]);
  assert.deepEqual(top.map(({ node }) => node.id_), expected.slice(0, 2).map(({ index }) => `node-${index}`));
  const withMetadata = await new CrossrankPostprocessor(encoder, { metadataMode: MetadataMode.ALL }).postprocessNodes(nodes.slice(0, 1), QUERY);
  assert.equal(withMetadata[0]!.score, (await encoder.score([[QUERY, nodes[0]!.node.getContent(MetadataMode.ALL)]]))[0]);
  assert.notEqual(nodes[0]!.node.getContent(MetadataMode.ALL), TEXTS[0], 'metadata changes the scored text');

  await assert.rejects(new CrossrankPostprocessor(encoder).postprocessNodes(nodes), /needs the query/);
  assert.deepEqual(await new CrossrankPostprocessor(encoder).postprocessNodes([], QUERY), []);
});
