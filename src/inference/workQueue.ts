import { CancelledError, OverloadedError } from '../errors.js';

export interface WorkQueueOptions {
  /** How long the first waiting submission collects others; 0: each submission runs alone. */
  windowMs: number;
  /** Cost (see `cost`) of all submissions run together at most; the first one always goes. */
  maxBatchCost: number;
  /** Submissions waiting at most; `submit` beyond it rejects with OverloadedError. */
  maxQueue: number;
}

/** What one cross-submission batch did, for metrics. */
export interface BatchReport {
  /** Submissions in the batch (those cancelled meanwhile included). */
  requests: number;
  /** Work items run: those of the batch less those skipped because their submission was cancelled. */
  pairs: number;
  /** Summed cost of its items (for pairs: unpadded tokens). */
  tokens: number;
  seconds: number;
}

/**
 * Runs items: one result per item, in order. Ask `live(index)` once per item, just before it would
 * reach a forward pass: false means its submission was cancelled, so skip it (its result is dropped).
 */
export type ProcessItems<I, R> = (items: readonly I[], live: (index: number) => boolean) => Promise<readonly R[]>;

interface Job<I, R> {
  items: readonly I[];
  cost: number;
  cancelled: boolean;
  resolve(results: R[]): void;
  reject(error: unknown): void;
  settled: boolean;
}

/**
 * Runs the work of concurrent submissions together, generic over the work item (a pair's
 * encoding for a cross-encoder; a text, a query's token states or a prompt for scorers to come).
 * A submission that arrives while the model is idle waits `windowMs` for others; submissions that
 * arrive while a batch runs are taken as the next batch as soon as it ends. A batch takes waiting
 * submissions in arrival order up to `maxBatchCost` and runs them in one `process` call (which
 * sorts all their items into forward passes), and each gets back its own results, in its own
 * order. One batch runs at a time: the model's threads are the limit.
 *
 * Cancellation: when a submission's signal aborts (a timeout, a client gone), it rejects at once
 * with CancelledError; waiting, it leaves the queue; running, its items that have not reached a
 * forward pass are never run (`live` turns false for them).
 */
export class WorkQueue<I, R> {
  private readonly queue: Job<I, R>[] = [];
  private running: Job<I, R>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];
  /** Cost per second over recent batches, for Retry-After. */
  private costPerSecond = 0;

  constructor(
    private readonly process: ProcessItems<I, R>,
    private readonly cost: (item: I) => number,
    private readonly options: WorkQueueOptions,
    private readonly onBatch: (report: BatchReport) => void = () => {},
  ) {}

  /** Submissions waiting (not counting the batch being run). */
  get depth(): number {
    return this.queue.length;
  }

  get isFull(): boolean {
    return this.queue.length >= this.options.maxQueue;
  }

  /**
   * Results of `items`, in order. Rejects with OverloadedError when the queue is full, and with
   * CancelledError when `signal` aborts first.
   */
  submit(items: readonly I[], signal?: AbortSignal): Promise<R[]> {
    if (signal?.aborted) return Promise.reject(CancelledError.from(signal, this.retryAfterSeconds()));
    if (this.isFull) return Promise.reject(this.overloaded());
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      const job: Job<I, R> = {
        items,
        cost: items.reduce((sum, item) => sum + this.cost(item), 0),
        cancelled: false,
        resolve: (results) => settle(() => resolve(results)),
        reject: (error) => settle(() => reject(error)),
        settled: false,
      };
      const onAbort = (): void => {
        job.cancelled = true;
        const waiting = this.queue.indexOf(job);
        if (waiting >= 0) this.queue.splice(waiting, 1);
        job.reject(CancelledError.from(signal as AbortSignal, this.retryAfterSeconds()));
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

  /** The error a full queue refuses with (a caller may refuse early with it, before costly work). */
  overloaded(): OverloadedError {
    return new OverloadedError('too many requests are waiting for the model', this.retryAfterSeconds());
  }

  /** Resolves once nothing waits and nothing runs (for a graceful shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Seconds until the queue has likely drained, from the recent throughput; at least 1. */
  retryAfterSeconds(): number {
    if (this.costPerSecond <= 0) return 1;
    const waiting = [...this.queue, ...this.running].reduce((sum, job) => sum + job.cost, 0);
    return Math.min(600, Math.max(1, Math.ceil(waiting / this.costPerSecond)));
  }

  private schedule(): void {
    if (this.running.length > 0 || this.timer !== null || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runBatch();
    }, this.options.windowMs);
  }

  private takeBatch(): Job<I, R>[] {
    if (this.options.windowMs === 0) return this.queue.splice(0, 1);
    let cost = this.queue[0].cost;
    let count = 1;
    while (count < this.queue.length && cost + this.queue[count].cost <= this.options.maxBatchCost) {
      cost += this.queue[count].cost;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private async runBatch(): Promise<void> {
    if (this.queue.length === 0) return this.notifyIfIdle();
    const batch = this.takeBatch();
    this.running = batch;
    const items = batch.flatMap((job) => job.items);
    const owners = batch.flatMap((job) => job.items.map(() => job));
    const started = performance.now();
    try {
      let skipped = 0;
      const results = await this.process(items, (index) => {
        if (!owners[index].cancelled) return true;
        skipped++;
        return false;
      });
      let offset = 0;
      for (const job of batch) {
        job.resolve(results.slice(offset, offset + job.items.length));
        offset += job.items.length;
      }
      const seconds = (performance.now() - started) / 1000;
      const cost = batch.reduce((sum, job) => sum + job.cost, 0);
      const rate = cost / Math.max(seconds, 1e-3);
      this.costPerSecond = this.costPerSecond === 0 ? rate : 0.7 * this.costPerSecond + 0.3 * rate;
      this.onBatch({ requests: batch.length, pairs: items.length - skipped, tokens: cost, seconds });
    } catch (error) {
      for (const job of batch) job.reject(error);
    } finally {
      this.running = [];
    }
    // Submissions that arrived meanwhile have waited long enough: no new window.
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
