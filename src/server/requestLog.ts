import type { FastifyBaseLogger, FastifyRequest } from 'fastify';

/** Statuses a flood of clients can cause at a high rate: logged as a sample, not one line each. */
const REFUSALS = new Set([429, 499]);

/**
 * One log line per request, as Fastify's own request logging writes (which this replaces), but
 * refusals under overload are sampled: the first in each `sampleMs` is logged, with how many
 * were left out since the last line. A flood of 429s otherwise writes more log than it saves work.
 */
export class RequestLog {
  private lastRefusalLogged = Number.NEGATIVE_INFINITY;
  private refusalsLeftOut = 0;

  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly sampleMs = 1000,
  ) {}

  completed(request: FastifyRequest, statusCode: number, responseTimeMs: number): void {
    const fields = { reqId: request.id, method: request.method, url: request.url, statusCode, responseTime: responseTimeMs };
    if (!REFUSALS.has(statusCode)) {
      this.log.info(fields, 'request completed');
      return;
    }
    const now = performance.now();
    if (now - this.lastRefusalLogged < this.sampleMs) {
      this.refusalsLeftOut++;
      return;
    }
    this.log.warn({ ...fields, refusalsLeftOut: this.refusalsLeftOut }, `request refused (${statusCode}); ${this.refusalsLeftOut} refusals since the last such line left out of the log`);
    this.lastRefusalLogged = now;
    this.refusalsLeftOut = 0;
  }
}
