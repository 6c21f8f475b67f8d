import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchReport } from '../rerank/queuedReranker.js';
import type { RequestLog } from './requestLog.js';

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

  /** A client error Node answered before the request reached a route (a header timeout, bad HTTP). */
  clientError(status: number): void {
    this.requests.inc({ method: 'unknown', route: 'unmatched', status: String(status) });
  }

  batchScored(report: BatchReport): void {
    this.pairsScored.inc(report.pairs);
    this.batchPairs.observe(report.pairs);
    this.batchRequests.observe(report.requests);
    this.batchSeconds.observe(report.seconds);
  }
}

/** What the request accounting needs to know of connections: whether a request was cut off by the body timeout. */
export interface TimeoutWitness {
  timedOutOn(socket: Socket): boolean;
}

/**
 * Counts and times every request under its route pattern (`unmatched` for 404s), when its
 * response closes, whichever way: answered (its status), cut off by the body timeout (408), or
 * abandoned by its client before the answer was sent (499, as nginx logs it).
 */
export function installRequestMetrics(app: FastifyInstance, metrics: ServerMetrics, connections: TimeoutWitness, log: RequestLog): void {
  app.addHook('onRequest', async (request, reply) => {
    const socket = request.raw.socket;
    reply.raw.once('close', () => {
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.raw.writableFinished ? reply.statusCode : connections.timedOutOn(socket) ? 408 : CLIENT_CLOSED_REQUEST;
      metrics.requests.inc({ method: request.method, route, status: String(status) });
      metrics.latency.observe({ route }, reply.elapsedTime / 1000);
      log.completed(request, status, reply.elapsedTime);
    });
  });
}

/** nginx's status for a request whose client closed the connection before the answer. */
export const CLIENT_CLOSED_REQUEST = 499;
