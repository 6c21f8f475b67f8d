/**
 * JSON Schemas of the request bodies: Fastify validates with them, and /openapi.json shows them.
 * Properties not listed are ignored, as Cohere and TEI clients may send fields this server does
 * not use (`rank_fields`, `priority`, ...).
 */
export type JsonSchema = Record<string, unknown>;

const cohereDocument: JsonSchema = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string' } },
      description: 'an object with a `text` field; its other fields come back with return_documents',
    },
  ],
};

/** An extension of both APIs: the task an LLM reranker reads before the query (Qwen3-Reranker's <Instruct>); cross-encoders ignore it. */
const INSTRUCTION_FIELD: JsonSchema = { type: 'string', maxLength: 4096, description: "an LLM reranker's instruction (default: its model card's); ignored by cross-encoders" };

export function cohereRerankBody(maxDocuments: number): JsonSchema {
  return {
    type: 'object',
    required: ['query', 'documents'],
    properties: {
      model: { type: 'string', description: 'accepted and ignored: the server runs the model it was started with' },
      query: { type: 'string', minLength: 1 },
      documents: { type: 'array', minItems: 1, maxItems: maxDocuments, items: cohereDocument },
      top_n: { type: 'integer', minimum: 1, description: 'return only the best top_n results (default: all)' },
      return_documents: { type: 'boolean', description: 'include each document in its result' },
      max_tokens_per_doc: { type: 'integer', minimum: 1, description: 'document tokens kept at most (default and cap: the server setting)' },
      instruction: INSTRUCTION_FIELD,
    },
  };
}

export function teiRerankBody(maxDocuments: number): JsonSchema {
  return {
    type: 'object',
    required: ['query', 'texts'],
    properties: {
      query: { type: 'string', minLength: 1 },
      texts: { type: 'array', minItems: 1, maxItems: maxDocuments, items: { type: 'string' } },
      raw_scores: { type: 'boolean', description: 'return the raw logit instead of a relevance in [0, 1]' },
      return_text: { type: 'boolean' },
      truncate: { type: 'boolean', description: 'cut pairs longer than the model takes (default true); false: such a pair is an error (413)' },
      truncation_direction: { type: 'string', enum: ['Right', 'Left', 'right', 'left'], description: 'the end of a text that truncation removes' },
      instruction: INSTRUCTION_FIELD,
    },
  };
}

export const cohereRerankResponse: JsonSchema = {
  type: 'object',
  required: ['id', 'results', 'meta'],
  properties: {
    id: { type: 'string' },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'relevance_score'],
        properties: {
          index: { type: 'integer' },
          relevance_score: { type: 'number', minimum: 0, maximum: 1 },
          document: { type: 'object', properties: { text: { type: 'string' } } },
        },
      },
    },
    meta: {
      type: 'object',
      properties: {
        api_version: { type: 'object', properties: { version: { type: 'string' } } },
        billed_units: { type: 'object', properties: { search_units: { type: 'integer' } } },
      },
    },
  },
};

export const teiRerankResponse: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['index', 'score'],
    properties: { index: { type: 'integer' }, score: { type: 'number' }, text: { type: 'string' } },
  },
};

export const errorResponse: JsonSchema = {
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'string', description: 'one line that names the problem' },
    field: { type: 'string', description: 'the part of the request at fault, e.g. documents[3].text' },
  },
};
