import type { FastifyPluginAsync } from 'fastify';
import type { ServerMetrics } from '../metrics.js';

/** GET /metrics in the Prometheus text format. */
export function metricsRoutes(metrics: ServerMetrics): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  };
}

