import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { STARTER_MODEL_ID } from '../rerank/crossEncoder.js';
import { loadReranker, type RerankerOptions } from '../rerank/loadReranker.js';
import { QueuedReranker } from '../rerank/queuedReranker.js';
import { EventLoopTurns } from '../rerank/eventLoopTurns.js';
import { installAuth } from './auth.js';
import { resolveServerConfig, type ServerConfig } from './config.js';
import { clientTimeoutOptions, Connections } from './connections.js';
import { installCors } from './cors.js';
import { installErrorHandler } from './errors.js';
import { installJsonBodyParser } from './jsonBody.js';
import { installRequestMetrics, ServerMetrics } from './metrics.js';
import { openApiRoutes } from './openapi.js';
import { RequestLog } from './requestLog.js';
import { cohereRoutes } from './routes/cohere.js';
import { healthRoutes } from './routes/health.js';
import { infoRoutes } from './routes/info.js';
import { metricsRoutes } from './routes/metrics.js';
import { playgroundRoutes } from './routes/playground.js';
import { teiRoutes } from './routes/tei.js';
import { VERSION } from './version.js';

/** Engine options a server may set; it runs the model on a worker thread and takes raw logits itself. */
export type ServerEngineOptions = Omit<RerankerOptions, 'worker' | 'activation'>;

export interface AppOptions {
  /** Model directory or hub id of a cross-encoder or a late-interaction model (see loadReranker); default: the starter model that ships with crossrank. */
  model?: string;
  engine?: ServerEngineOptions;
  config?: Partial<ServerConfig>;
  /** Fastify's logger option; default: off. */
  logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The engine behind the routes; `crossrank.ready` resolves once it is loaded and warmed up. */
    crossrank: QueuedReranker;
    /** The server's Prometheus metrics. */
    crossrankMetrics: ServerMetrics;
  }
}

/**
 * The rerank server, not yet listening. The model loads in the background: /health answers at
 * once, /ready and the rerank routes once `app.crossrank.ready` has resolved. Closing the app
 * lets requests in flight finish, then frees the model.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const model = options.model ?? STARTER_MODEL_ID;
  const config = resolveServerConfig({ modelId: model, ...options.config });
  // Created before the app: Node reports client errors (a body timeout) to the server it builds.
  let connections: Connections;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: config.maxBodyBytes,
    // Wrong types are errors, not coerced ("3" is not a top_n); unknown fields are ignored.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // A closing server finishes the requests it has; idle keep-alive connections are closed.
    forceCloseConnections: 'idle',
    ...clientTimeoutOptions(config),
    clientErrorHandler: (error, socket) => connections.handleClientError(error, socket),
    // Logged by RequestLog instead: one line per request, refusals under overload sampled.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const loading = loadReranker(model, { ...options.engine, worker: true, activation: 'none' });
  // Heavy steps of all requests (parsing large bodies, encoding) take turns on the event loop.
  const turns = new EventLoopTurns();
  let metrics: ServerMetrics | null = null;
  const service = new QueuedReranker(loading, {
    batchWindowMs: config.batchWindowMs,
    maxBatchTokens: config.maxBatchTokens,
    maxQueue: config.maxQueue,
    onBatch: (report) => metrics?.batchScored(report),
    lexicalWeight: config.lexicalWeight ?? undefined,
  }, turns);
  metrics = new ServerMetrics(() => service.depth);
  app.decorate('crossrank', service);
  app.decorate('crossrankMetrics', metrics);

  // Heavy steps let waiting connections be accepted first (a health check among them).
  app.server.on('connection', () => turns.connectionAccepted());
  connections = new Connections(metrics);
  connections.install(app, config);
  installErrorHandler(app, config.requestTimeoutMs);
  installJsonBodyParser(app, config.maxJsonDepth, turns);
  installRequestMetrics(app, metrics, connections, new RequestLog(app.log));
  installCors(app, config.corsOrigins);
  installAuth(app, config.apiKeys);

  await app.register(healthRoutes(service));
  await app.register(infoRoutes(service, config));
  await app.register(metricsRoutes(metrics));
  await app.register(openApiRoutes(config, VERSION));
  await app.register(cohereRoutes(service, config));
  await app.register(teiRoutes(service, config));
  await app.register(playgroundRoutes());

  app.addHook('onClose', async () => {
    await service.close();
  });
  return app;
}
