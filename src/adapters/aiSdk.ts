import type { JSONObject, RerankingModelV3, RerankingModelV3CallOptions } from '@ai-sdk/provider';
import type { CrossEncoder } from '../rerank/crossEncoder.js';
import { modelName } from './modelName.js';

export interface CrossrankRerankingModelOptions {
  /** Reported as the model id; default: the model directory's name. */
  modelId?: string;
  /**
   * The field of an object document that holds its text (default `text`). An object without it is
   * reranked as its JSON text, as the AI SDK's Cohere provider sends objects.
   */
  textField?: string;
}

/**
 * A reranking model for the Vercel AI SDK's `rerank()` (AI SDK 6, specification v3) that runs a
 * loaded CrossEncoder in-process. Scores are the encoder's (its `activation` decides raw logits or
 * [0, 1]); the ranking is best first, ties in input order, as `CrossEncoder.rerank` gives it.
 */
export function crossrankRerankingModel(encoder: CrossEncoder, options: CrossrankRerankingModelOptions = {}): RerankingModelV3 {
  const modelId = modelName(encoder, options.modelId);
  const textField = options.textField ?? 'text';
  return {
    specificationVersion: 'v3',
    provider: 'crossrank',
    modelId,
    async doRerank({ documents, query, topN, abortSignal }: RerankingModelV3CallOptions) {
      abortSignal?.throwIfAborted();
      const texts = documents.type === 'text' ? documents.values : documents.values.map((value) => objectText(value, textField));
      const ranked = await encoder.rerank(query, texts, { topN });
      // Scoring is not interruptible; a call aborted meanwhile still ends with its abort reason.
      abortSignal?.throwIfAborted();
      return {
        ranking: ranked.map(({ index, score }) => ({ index, relevanceScore: score })),
        response: { modelId, timestamp: new Date() },
      };
    },
  };
}

function objectText(value: JSONObject, textField: string): string {
  const text = value[textField];
  return typeof text === 'string' ? text : JSON.stringify(value);
}
