import { sigmoid } from '../rerank/activation.js';
import type { CrossEncoder, CrossEncoderInfo } from '../rerank/crossEncoder.js';
import { pairScores, type EncodedPairs, type EncodePairsOptions } from '../rerank/encodedPairs.js';
import { Batcher, QueueFullError } from './batcher.js';
import type { ServerConfig } from './config.js';
import { EventLoopTurns } from './eventLoopTurns.js';
import { HttpError } from './errors.js';
import { ServerMetrics } from './metrics.js';

export interface ScoreRequest extends EncodePairsOptions {
  query: string;
  documents: readonly string[];
  /** The request field that holds the documents, for error messages (`documents`, `texts`). */
  documentsField: string;
  /** false: a pair that does not fit whole is an error (413) instead of being cut. */
  truncate: boolean;
}

export interface ScoredDocuments {
  /** Per document: the model's score (one-label models: the logit; two-label: P(relevant)). */
  scores: number[];
  /** Per document: true where the model did not see all of its tokens. */
  truncated: boolean[];
  /** Model inputs scored (documents, or their windows when chunking). */
  inputs: number;
}

// Tokenizing runs on the event loop: yield to it after about this much text, so a request
// with many long documents does not hold up others (health checks included) while it is encoded.
// Slices of all requests take turns, one per event-loop iteration (see EventLoopTurns).
const CHARACTERS_PER_SLICE = 32 * 1024;

/**
 * The model behind the routes: loads and warms it up, encodes each request on arrival (with the
 * request's own options), and hands the encodings to the cross-request batcher.
 */
export class RerankService {
  readonly metrics: ServerMetrics;
  /** Resolves once the model is loaded and has scored a warm-up batch; rejects if loading fails. */
  readonly ready: Promise<void>;
  private encoder: CrossEncoder | null = null;
  private loadError: Error | null = null;
  private readonly batcher: Batcher;
  private inFlight = 0;
  private drained: Array<() => void> = [];
  private closing = false;

  constructor(
    loading: Promise<CrossEncoder>,
    private readonly config: ServerConfig,
    private readonly turns: EventLoopTurns = new EventLoopTurns(),
  ) {
    this.batcher = new Batcher(
      (encodings) => this.model().scoreEncoded(encodings),
      { windowMs: config.batchWindowMs, maxBatchTokens: config.maxBatchTokens, maxQueue: config.maxQueue },
      (report) => this.metrics.batchScored(report),
    );
    this.metrics = new ServerMetrics(() => this.batcher.depth);
    this.ready = this.warmUp(loading);
    this.ready.catch(() => {}); // callers that wait see the failure; nobody waiting is not a crash
  }

  get isReady(): boolean {
    return this.encoder !== null;
  }

  get failure(): Error | null {
    return this.loadError;
  }

  get info(): CrossEncoderInfo | null {
    return this.encoder?.info ?? null;
  }

  /** A model score as a relevance in [0, 1]: sigmoid of a one-label logit; P(relevant) as it is. */
  relevance(score: number): number {
    return this.model().info.numLabels === 1 ? sigmoid(score) : score;
  }

  /** A model score as a logit: as it is for one label; log-odds of P(relevant) for two. */
  logit(score: number): number {
    return this.model().info.numLabels === 1 ? score : Math.log(score / (1 - score));
  }

  /** Throws the 429 of a full queue: checked before a request's body is read, so that refusing costs little. */
  refuseIfBusy(): void {
    if (this.batcher.depth >= this.config.maxQueue) throw busy(this.batcher.retryAfterSeconds());
  }

  async score(request: ScoreRequest, signal: AbortSignal): Promise<ScoredDocuments> {
    if (this.closing) throw new HttpError(503, 'the server is shutting down', undefined, { 'retry-after': '1' });
    if (!this.encoder) {
      if (this.loadError) throw new HttpError(503, `the model failed to load: ${this.loadError.message}`);
      throw new HttpError(503, 'the model is still loading; see /ready', undefined, { 'retry-after': '1' });
    }
    if (this.batcher.depth >= this.config.maxQueue) throw busy(this.batcher.retryAfterSeconds());
    this.inFlight++;
    try {
      const encoded = await this.encode(this.encoder, request, signal);
      const cut = encoded.truncated.indexOf(true);
      if (!request.truncate && cut >= 0) {
        const field = `${request.documentsField}[${cut}]`;
        const { maxLength } = this.encoder.info;
        const perDocument = this.config.maxTokensPerDoc < maxLength ? ` or the server's ${this.config.maxTokensPerDoc} tokens per document` : '';
        throw new HttpError(413, `${field} is too long: with the query it exceeds the model's ${maxLength} tokens${perDocument}, and truncate is false`, field);
      }
      const scores = await this.batcher.submit(encoded.encodings, signal);
      return { scores: pairScores(encoded, scores), truncated: encoded.truncated, inputs: encoded.encodings.length };
    } catch (error) {
      if (error instanceof QueueFullError) throw busy(error.retryAfterSeconds);
      if (signal.aborted && error === signal.reason) throw this.abortError(signal);
      throw error;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.drained.splice(0)) wake();
    }
  }

  /** Stops taking requests, lets those in flight finish, then frees the model. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    await this.batcher.idle();
    await this.ready.catch(() => {});
    await this.encoder?.close();
  }

  private model(): CrossEncoder {
    if (!this.encoder) throw new Error('the model is not loaded');
    return this.encoder;
  }

  private async warmUp(loading: Promise<CrossEncoder>): Promise<void> {
    try {
      const encoder = await loading;
      // The first forward passes allocate and tune; a load balancer should not send users to them.
      const warm = encoder.encodePairs(Array.from({ length: 4 }, () => ['a warm-up query', 'a short document to warm up the model'] as const));
      await encoder.scoreEncoded(warm.encodings);
      this.encoder = encoder;
    } catch (error) {
      this.loadError = error instanceof Error ? error : new Error(String(error));
      throw this.loadError;
    }
  }

  /** encodePairs in slices, yielding to the event loop between them. */
  private async encode(encoder: CrossEncoder, request: ScoreRequest, signal: AbortSignal): Promise<EncodedPairs> {
    const encoded: EncodedPairs = { encodings: [], owners: [], truncated: [] };
    const options: EncodePairsOptions = { maxDocumentTokens: request.maxDocumentTokens, truncationDirection: request.truncationDirection };
    let start = 0;
    while (start < request.documents.length) {
      let end = start;
      let characters = 0;
      while (end < request.documents.length && (end === start || characters < CHARACTERS_PER_SLICE)) characters += request.documents[end++].length;
      const slice = encoder.encodePairs(
        request.documents.slice(start, end).map((document) => [request.query, document] as const),
        options,
      );
      for (const encoding of slice.encodings) encoded.encodings.push(encoding);
      for (const owner of slice.owners) encoded.owners.push(owner + start);
      for (const truncated of slice.truncated) encoded.truncated.push(truncated);
      start = end;
      if (start < request.documents.length) {
        try {
          await this.turns.next(signal);
        } catch {
          throw this.abortError(signal);
        }
      }
    }
    return encoded;
  }

  private abortError(signal: AbortSignal): HttpError {
    const reason = signal.reason as Error | undefined;
    if (reason?.name === 'TimeoutError') {
      return new HttpError(503, `the request was not answered within ${this.config.requestTimeoutMs} ms (request timeout)`, undefined, {
        'retry-after': String(this.batcher.retryAfterSeconds()),
      });
    }
    return new HttpError(499, 'the client closed the connection');
  }
}

function busy(retryAfterSeconds: number): HttpError {
  return new HttpError(429, 'the server is busy: too many requests are waiting for the model; retry later', undefined, {
    'retry-after': String(retryAfterSeconds),
  });
}
