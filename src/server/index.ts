/**
 * The rerank server (`crossrank serve`) as a library: build it, listen, close. Kept apart from the
 * package's main entry so that using CrossEncoder alone does not load Fastify; buildApp loads it
 * (an optional peer dependency) on first use.
 */
export { buildApp } from './loadApp.js';
export type { AppOptions, ServerEngineOptions } from './app.js';
export { DEFAULT_SERVER_CONFIG, SERVER_SETTINGS, resolveServerConfig, type ServerConfig, type ServerSetting } from './config.js';
export type { QueuedReranker, ScoreRequest, ScoredDocuments } from '../rerank/queuedReranker.js';
export type { ErrorBody } from './errors.js';
export type { CohereRerankResponse } from './routes/cohere.js';
export type { TeiRerankResponse } from './routes/tei.js';
