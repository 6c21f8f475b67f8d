import type { FastifyPluginAsync } from 'fastify';
import type { ServerConfig } from '../config.js';
import { HttpError } from '../errors.js';
import type { QueuedReranker } from '../../rerank/queuedReranker.js';
import { VERSION } from '../version.js';

/** GET /info: what is served and within which limits (TEI has the same endpoint, with its own fields). */
export function infoRoutes(service: QueuedReranker, config: ServerConfig): FastifyPluginAsync {
  return async (app) => {
    app.get('/info', async () => {
      const info = service.info;
      if (!info) throw new HttpError(503, 'the model is still loading; see /ready', undefined, { 'retry-after': '1' });
      return {
        model_id: config.modelId,
        variant: info.variant,
        max_length: info.maxLength,
        model_type: info.modelType,
        kind: 'kind' in info ? info.kind : 'promptFormat' in info ? 'llm' : 'cross-encoder',
        ...('numLabels' in info
          ? { num_labels: info.numLabels }
          : 'promptFormat' in info
            ? { prompt_format: info.promptFormat }
            : { dimension: info.dimension, query_max_length: info.queryMaxLength }),
        weights: info.weights,
        // above 0: scores mix in BM25 over each request's documents (docs/lexical-mix.md)
        lexical_weight: service.lexicalMixWeight,
        version: VERSION,
        limits: {
          max_documents: config.maxDocuments,
          max_body_bytes: config.maxBodyBytes,
          max_tokens_per_doc: config.maxTokensPerDoc,
          request_timeout_ms: config.requestTimeoutMs,
          batch_window_ms: config.batchWindowMs,
          max_batch_tokens: config.maxBatchTokens,
          max_queue: config.maxQueue,
        },
      };
    });
  };
}
