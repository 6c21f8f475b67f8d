import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { CrossEncoder, STARTER_MODEL_ID, type CrossEncoderOptions } from '../rerank/crossEncoder.js';
import { QueuedReranker } from '../rerank/queuedReranker.js';
import { installAuth } from './auth.js';
import { resolveServerConfig, type ServerConfig } from './config.js';
import { installCors } from './cors.js';
import { installErrorHandler } from './errors.js';
import { installJsonBodyParser } from './jsonBody.js';
import { installRequestMetrics, ServerMetrics } from './metrics.js';
import { openApiRoutes } from './openapi.js';
import { cohereRoutes } from './routes/cohere.js';
import { healthRoutes } from './routes/health.js';
import { infoRoutes } from './routes/info.js';
import { metricsRoutes } from './routes/metrics.js';
import { teiRoutes } from './routes/tei.js';
import { VERSION } from './version.js';

/** Engine options a server may set; it runs the model on a worker thread and takes raw logits itself. */
export type ServerEngineOptions = Omit<CrossEncoderOptions, 'worker' | 'activation'>;

export interface AppOptions {
  /** Model directory (or what CrossEncoder.load accepts); default: the starter model that ships with crossrank. */
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
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: config.maxBodyBytes,
    // Wrong types are errors, not coerced ("3" is not a top_n); unknown fields are ignored.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // A closing server finishes the requests it has; idle keep-alive connections are closed.
    forceCloseConnections: 'idle',
  });
  const loading = CrossEncoder.load(model, { ...options.engine, worker: true, activation: 'none' });
  let metrics: ServerMetrics | null = null;
  const service = new QueuedReranker(loading, {
    batchWindowMs: config.batchWindowMs,
    maxBatchTokens: config.maxBatchTokens,
    maxQueue: config.maxQueue,
    onBatch: (report) => metrics?.batchScored(report),
  });
  metrics = new ServerMetrics(() => service.depth);
  app.decorate('crossrank', service);
  app.decorate('crossrankMetrics', metrics);

  installErrorHandler(app, config.requestTimeoutMs);
  installJsonBodyParser(app);
  installRequestMetrics(app, metrics);
  installCors(app, config.corsOrigins);
  installAuth(app, config.apiKeys);

  // Responses finished while closing end their connection: an idle keep-alive socket would hold
  // close() up until its keepAliveTimeout (72 s).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) void reply.header('connection', 'close');
    return payload;
  });

  await app.register(healthRoutes(service));
  await app.register(infoRoutes(service, config));
  await app.register(metricsRoutes(metrics));
  await app.register(openApiRoutes(config, VERSION));
  await app.register(cohereRoutes(service, config));
  await app.register(teiRoutes(service, config));

  app.addHook('onClose', async () => {
    await service.close();
  });
  return app;
}
