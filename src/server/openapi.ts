import type { FastifyPluginAsync } from 'fastify';
import type { ServerConfig } from './config.js';
import { cohereRerankBody, cohereRerankResponse, errorResponse, teiRerankBody, teiRerankResponse, type JsonSchema } from './schemas.js';

const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
const errors = {
  '4XX': { description: 'the request is at fault; `field` names the part', ...json({ $ref: '#/components/schemas/Error' }) },
  '429': { description: 'too many requests wait for the model; see Retry-After', ...json({ $ref: '#/components/schemas/Error' }) },
  '503': { description: 'the model is loading, the server shuts down, or the request timed out', ...json({ $ref: '#/components/schemas/Error' }) },
};

function cohereOperation(version: string): Record<string, unknown> {
  return {
    post: {
      summary: `Rerank documents (Cohere API v${version})`,
      operationId: `cohereRerankV${version}`,
      requestBody: { required: true, ...json({ $ref: '#/components/schemas/CohereRerankRequest' }) },
      responses: { '200': { description: 'documents by relevance, best first', ...json({ $ref: '#/components/schemas/CohereRerankResponse' }) }, ...errors },
    },
  };
}

const probe = (summary: string) => ({
  get: { summary, responses: { '200': { description: 'yes' }, '503': { description: 'not (yet)' } }, security: [] },
});

/** The OpenAPI 3.1 description of this server, from the same schemas that validate requests. */
export function openApiDocument(config: ServerConfig, version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'crossrank', version, description: 'Cross-encoder reranking with Cohere- and TEI-compatible endpoints' },
    paths: {
      '/v1/rerank': cohereOperation('1'),
      '/v2/rerank': cohereOperation('2'),
      '/rerank': {
        post: {
          summary: 'Rerank texts (Hugging Face Text Embeddings Inference API)',
          operationId: 'teiRerank',
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/TeiRerankRequest' }) },
          responses: { '200': { description: 'texts by score, best first', ...json({ $ref: '#/components/schemas/TeiRerankResponse' }) }, ...errors },
        },
      },
      '/health': probe('The process is up'),
      '/ready': probe('The model is loaded and warmed up'),
      '/info': { get: { summary: 'Model and limits', responses: { '200': { description: 'model id, variant, max_length, limits' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: {
      schemas: {
        CohereRerankRequest: cohereRerankBody(config.maxDocuments),
        CohereRerankResponse: cohereRerankResponse,
        TeiRerankRequest: teiRerankBody(config.maxDocuments),
        TeiRerankResponse: teiRerankResponse,
        Error: errorResponse,
      },
      ...(config.apiKeys.length > 0 ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
    ...(config.apiKeys.length > 0 ? { security: [{ bearer: [] }] } : {}),
  };
}

export function openApiRoutes(config: ServerConfig, version: string): FastifyPluginAsync {
  const document = openApiDocument(config, version);
  return async (app) => {
    app.get('/openapi.json', async () => document);
  };
}
