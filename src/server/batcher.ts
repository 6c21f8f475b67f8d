import type { PairEncoding } from '../tokenize/pairEncoder.js';

export interface BatcherOptions {
  /** How long the first waiting request collects others; 0: each request is scored alone. */
  windowMs: number;
  /** Tokens (unpadded, of all requests) scored together at most; the first request always goes. */
  maxBatchTokens: number;
  /** Requests waiting at most; `submit` beyond it throws QueueFullError. */
  maxQueue: number;
}

/** What one cross-request batch did, for metrics. */
export interface BatchReport {
  requests: number;
  pairs: number;
  tokens: number;
  seconds: number;
}

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the server is busy: too many requests are waiting for the model');
  }
}

interface Job {
  encodings: readonly PairEncoding[];
  tokens: number;
  resolve(scores: number[]): void;
  reject(error: unknown): void;
  settled: boolean;
}

/**
 * Scores the encodings of concurrent requests together. A request that arrives while the model
 * is idle waits `windowMs` for others; requests that arrive while a batch runs are taken as
 * the next batch as soon as it ends. A batch takes waiting requests in arrival order up to
 * `maxBatchTokens`, is scored in one call (the engine sorts all its pairs by length, so
 * requests share forward passes and padding), and each request gets back its own scores, in
 * its own order. One batch runs at a time: the model's threads are the limit, and a second
 * batch would only compete for them.
 */
export class Batcher {
  private readonly queue: Job[] = [];
  private running: Job[] = [];
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  /** Tokens per second over recent batches, for Retry-After. */
  private tokensPerSecond = 0;

  constructor(
    private readonly score: (encodings: readonly PairEncoding[]) => Promise<number[]>,
    private readonly options: BatcherOptions,
    private readonly onBatch: (report: BatchReport) => void = () => {},
  ) {}

  /** Requests waiting for the model (not counting the batch being scored). */
  get depth(): number {
    return this.queue.length;
  }

  /**
   * Scores of `encodings`, in order. Rejects with QueueFullError when the queue is full, and
   * with `signal.reason` when the signal aborts first (a waiting request then leaves the queue).
   */
  submit(encodings: readonly PairEncoding[], signal?: AbortSignal): Promise<number[]> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length >= this.options.maxQueue) return Promise.reject(new QueueFullError(this.retryAfterSeconds()));
    if (encodings.length === 0) return Promise.resolve([]);
    return new Promise<number[]>((resolve, reject) => {
      const job: Job = {
        encodings,
        tokens: encodings.reduce((sum, e) => sum + e.inputIds.length, 0),
        resolve: (scores) => settle(() => resolve(scores)),
        reject: (error) => settle(() => reject(error)),
        settled: false,
      };
      const onAbort = (): void => {
        const waiting = this.queue.indexOf(job);
        if (waiting >= 0) this.queue.splice(waiting, 1);
        job.reject(signal?.reason);
        this.notifyIfIdle();
      };
      const settle = (finish: () => void): void => {
        if (job.settled) return;
        job.settled = true;
        signal?.removeEventListener('abort', onAbort);
        finish();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.schedule();
    });
  }

  /** Resolves once nothing waits and nothing runs (for a graceful shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Seconds until the queue has likely drained, from the recent throughput; at least 1. */
  retryAfterSeconds(): number {
    if (this.tokensPerSecond <= 0) return 1;
    const waiting = [...this.queue, ...this.running].reduce((sum, job) => sum + job.tokens, 0);
    return Math.min(600, Math.max(1, Math.ceil(waiting / this.tokensPerSecond)));
  }

  private schedule(): void {
    if (this.running.length > 0 || this.timer !== null || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runBatch();
    }, this.options.windowMs);
  }

  private takeBatch(): Job[] {
    if (this.options.windowMs === 0) return this.queue.splice(0, 1);
    let tokens = this.queue[0].tokens;
    let count = 1;
    while (count < this.queue.length && tokens + this.queue[count].tokens <= this.options.maxBatchTokens) {
      tokens += this.queue[count].tokens;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async runBatch(): Promise<void> {
    if (this.queue.length === 0) return this.notifyIfIdle();
    const batch = this.takeBatch();
    this.running = batch;
    const encodings = batch.flatMap((job) => job.encodings);
    const started = performance.now();
    try {
      const scores = await this.score(encodings);
      let offset = 0;
      for (const job of batch) {
        job.resolve(scores.slice(offset, offset + job.encodings.length));
        offset += job.encodings.length;
      }
      const seconds = (performance.now() - started) / 1000;
      const tokens = batch.reduce((sum, job) => sum + job.tokens, 0);
      const rate = tokens / Math.max(seconds, 1e-3);
      this.tokensPerSecond = this.tokensPerSecond === 0 ? rate : 0.7 * this.tokensPerSecond + 0.3 * rate;
      this.onBatch({ requests: batch.length, pairs: encodings.length, tokens, seconds });
    } catch (error) {
      for (const job of batch) job.reject(error);
    } finally {
      this.running = [];
    }
    // Requests that arrived meanwhile have waited long enough: no new window.
    if (this.queue.length > 0) void this.runBatch();
    else this.notifyIfIdle();
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.running.length === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle() || this.timer !== null) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
