import type { FastifyPluginAsync } from 'fastify';
import type { QueuedReranker } from '../../rerank/queuedReranker.js';

/**
 * /health: the process is up and answering (liveness). /ready: the model is loaded and has
 * scored a warm-up batch (readiness); 503 until then, or for good if loading failed.
 */
export function healthRoutes(service: QueuedReranker): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', async () => ({ status: 'ok' }));
    app.get('/ready', async (_request, reply) => {
      if (service.isReady) return { status: 'ready' };
      const failure = service.failure;
      return reply.code(503).send(failure ? { status: 'failed', message: `the model failed to load: ${failure.message}` } : { status: 'loading' });
    });
  };
}
