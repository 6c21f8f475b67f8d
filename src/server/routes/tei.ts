import type { FastifyPluginAsync } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { QueuedReranker } from '../../rerank/queuedReranker.js';
import { teiRerankBody } from '../schemas.js';
import { rankByScore } from '../../rerank/ranking.js';
import { checkQueryField, refuseWhenBusy, requestSignal } from './rerankRequest.js';

interface TeiRerankRequest {
  query: string;
  texts: string[];
  raw_scores?: boolean;
  return_text?: boolean;
  truncate?: boolean;
  truncation_direction?: 'Right' | 'Left' | 'right' | 'left';
  instruction?: string;
}

export type TeiRerankResponse = Array<{ index: number; score: number; text?: string }>;

/**
 * Hugging Face Text Embeddings Inference's /rerank: `[{ index, score, text? }]`, best first.
 * `score` is the relevance in [0, 1], or with raw_scores the logit. Unlike TEI's default,
 * pairs that do not fit are cut unless `truncate` is false (as TEI with --auto-truncate).
 */
export function teiRoutes(service: QueuedReranker, config: ServerConfig): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: TeiRerankRequest }>('/rerank', { schema: { body: teiRerankBody(config.maxDocuments) }, onRequest: refuseWhenBusy(service) }, async (request, reply): Promise<TeiRerankResponse> => {
      const body = request.body;
      checkQueryField(body.query);
      const scored = await service.score(
        {
          query: body.query,
          documents: body.texts,
          documentsField: 'texts',
          truncate: body.truncate ?? true,
          instruction: body.instruction,
          maxDocumentTokens: config.maxTokensPerDoc,
          truncationDirection: body.truncation_direction?.toLowerCase() === 'left' ? 'left' : 'right',
        },
        requestSignal(reply, config.requestTimeoutMs),
      );
      return rankByScore(scored.raw).map((index) => {
        const score = body.raw_scores ? scored.raw[index] : scored.relevance[index];
        return body.return_text ? { index, score, text: body.texts[index] } : { index, score };
      });
    });
  };
}
