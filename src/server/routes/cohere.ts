import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { QueuedReranker } from '../../rerank/queuedReranker.js';
import { cohereRerankBody } from '../schemas.js';
import { rankByScore } from '../../rerank/ranking.js';
import { checkQueryField, refuseWhenBusy, requestSignal } from './rerankRequest.js';

type CohereDocument = string | { text: string; [field: string]: unknown };

interface CohereRerankRequest {
  query: string;
  documents: CohereDocument[];
  top_n?: number;
  return_documents?: boolean;
  max_tokens_per_doc?: number;
  instruction?: string;
}

export interface CohereRerankResponse {
  id: string;
  results: Array<{ index: number; relevance_score: number; document?: { text: string } }>;
  meta: { api_version: { version: string }; billed_units: { search_units: number } };
}

/**
 * Cohere's rerank API, v1 and v2 (the SDKs post the same body to either): relevance_score in
 * [0, 1], best first. A Cohere "search unit" is one query with up to 100 documents.
 */
export function cohereRoutes(service: QueuedReranker, config: ServerConfig): FastifyPluginAsync {
  return async (app) => {
    for (const version of ['1', '2'] as const) {
      app.post<{ Body: CohereRerankRequest }>(
        `/v${version}/rerank`,
        { schema: { body: cohereRerankBody(config.maxDocuments) }, onRequest: refuseWhenBusy(service) },
        async (request, reply): Promise<CohereRerankResponse> => {
          const body = request.body;
          checkQueryField(body.query);
          const texts = body.documents.map((document) => (typeof document === 'string' ? document : document.text));
          const scored = await service.score(
            {
              query: body.query,
              documents: texts,
              documentsField: 'documents',
              truncate: true,
              instruction: body.instruction,
              maxDocumentTokens: Math.min(body.max_tokens_per_doc ?? config.maxTokensPerDoc, config.maxTokensPerDoc),
            },
            requestSignal(reply, config.requestTimeoutMs),
          );
          const order = rankByScore(scored.raw).slice(0, body.top_n ?? texts.length);
          return {
            id: randomUUID(),
            results: order.map((index) => {
              const result = { index, relevance_score: scored.relevance[index] };
              if (!body.return_documents) return result;
              const document = body.documents[index];
              return { ...result, document: typeof document === 'string' ? { text: document } : document };
            }),
            meta: { api_version: { version }, billed_units: { search_units: Math.ceil(scored.inputs / 100) } },
          };
        },
      );
    }
  };
}
