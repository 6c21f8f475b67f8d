import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchReport } from '../rerank/queuedReranker.js';

/**
 * The server's Prometheus metrics, in a registry of its own (several servers in one process,
 * as in the tests, do not share counters).
 */
export class ServerMetrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'crossrank_http_requests_total',
    help: 'HTTP requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'crossrank_http_request_duration_seconds',
    help: 'Time from request received to response sent, by route',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly pairsScored = new Counter({
    name: 'crossrank_pairs_scored_total',
    help: 'Model inputs scored: (query, document) pairs, or windows of chunked documents',
    registers: [this.registry],
  });

  readonly batchPairs = new Histogram({
    name: 'crossrank_batch_pairs',
    help: 'Pairs per cross-request batch',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
    registers: [this.registry],
  });

  readonly batchRequests = new Histogram({
    name: 'crossrank_batch_requests',
    help: 'Requests per cross-request batch',
    buckets: [1, 2, 3, 4, 6, 8, 12, 16, 32, 64],
    registers: [this.registry],
  });

  readonly batchSeconds = new Histogram({
    name: 'crossrank_batch_duration_seconds',
    help: 'Time to score one cross-request batch',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(queueDepth: () => number) {
    new Gauge({
      name: 'crossrank_queue_depth',
      help: 'Rerank requests waiting for the model',
      registers: [this.registry],
      collect() {
        this.set(queueDepth());
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  batchScored(report: BatchReport): void {
    this.pairsScored.inc(report.pairs);
    this.batchPairs.observe(report.pairs);
    this.batchRequests.observe(report.requests);
    this.batchSeconds.observe(report.seconds);
  }
}

/** Counts and times every response under its route pattern (`unmatched` for 404s). */
export function installRequestMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
}
