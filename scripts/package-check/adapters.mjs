// After `npm install ai@6 @langchain/core @llamaindex/core`: the three adapter subpaths, each
// used through its framework with the starter model.
import assert from 'node:assert/strict';
import { rerank } from 'ai';
import { Document } from '@langchain/core/documents';
import { TextNode } from '@llamaindex/core/schema';
import { CrossEncoder } from 'crossrank';
import { crossrankRerankingModel } from 'crossrank/ai-sdk';
import { CrossrankCompressor } from 'crossrank/langchain';
import { CrossrankPostprocessor } from 'crossrank/llamaindex';

const query = 'command line tool to convert images';
const texts = ['nginx is a web server.', 'ImageMagick converts images from the command line.'];
const ce = await CrossEncoder.load();
try {
  const { ranking } = await rerank({ model: crossrankRerankingModel(ce), query, documents: texts, maxRetries: 0 });
  assert.equal(ranking[0].originalIndex, 1);
  const [best] = await new CrossrankCompressor(ce, { topN: 1 }).compressDocuments(texts.map((pageContent) => new Document({ pageContent })), query);
  assert.equal(best.pageContent, texts[1]);
  const nodes = await new CrossrankPostprocessor(ce).postprocessNodes(texts.map((text) => ({ node: new TextNode({ text }) })), query);
  assert.equal(nodes[0].node.getText(), texts[1]);
  console.log('adapters: ok (ai-sdk, langchain, llamaindex)');
} finally {
  await ce.close();
}
