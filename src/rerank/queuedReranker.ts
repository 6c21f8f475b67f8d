import { CancelledError, NotReadyError, TooLongError } from '../errors.js';
import { WorkQueue, type BatchReport } from '../inference/workQueue.js';
import type { PairEncoding } from '../tokenize/pairEncoder.js';
import { relevanceFromRaw } from './activation.js';
import { EventLoopTurns } from './eventLoopTurns.js';
import { checkFirstStageWeight } from './interpolation.js';
import { mixBm25 } from './lexicalMix.js';
import { bm25Scores, documentTerms, queryTerms, type DocumentTerms } from './candidateBm25.js';
import { CrossEncoder } from './crossEncoder.js';
import type { LlmPrompt } from './llmPrompt.js';
import { LlmReranker } from './llmReranker.js';
import type { PairReranker, Reranker, RerankerInfo } from './loadReranker.js';
import { pairScores, type EncodedPairs, type EncodePairsOptions } from './encodedPairs.js';

export type { BatchReport } from '../inference/workQueue.js';

export interface QueueOptions {
  /** How long the first waiting request collects others; 0: each request is scored alone. */
  batchWindowMs: number;
  /** Tokens (unpadded, of all requests) scored together at most; the first request always goes. */
  maxBatchTokens: number;
  /** Requests waiting at most; beyond it `score` throws OverloadedError. */
  maxQueue: number;
  /** Called after each cross-request batch (metrics). */
  onBatch?: (report: BatchReport) => void;
  /**
   * BM25 over each request's documents mixed into its scores at this weight (see lexicalMix.ts);
   * default: what the model's config recommends (the starter model: 1), else 0; 0 turns it off.
   */
  lexicalWeight?: number;
}

export interface ScoreRequest extends EncodePairsOptions {
  query: string;
  documents: readonly string[];
  /** The request field that holds the documents, for error messages (`documents`, `texts`). */
  documentsField: string;
  /** false: a pair that does not fit whole is a TooLongError instead of being cut. */
  truncate: boolean;
  /** An LLM reranker's instruction (task description); other rerankers have none and ignore it. */
  instruction?: string;
}

export interface ScoredDocuments {
  /**
   * Per document: the raw score (the logit, for two-label models the gap logit1 - logit0; a
   * late-interaction model's MaxSim), with a lexical weight above 0 the mixed score on the same
   * scale (see lexicalMix.ts).
   */
  raw: number[];
  /** Per document: the relevance in [0, 1] (a cross-encoder's sigmoid of the raw score; see LateInteractionModel.relevance). */
  relevance: number[];
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
 * A reranker behind a cross-request queue, for a service: loads and warms the model up, encodes
 * each request on arrival (with the request's own options), scores the encodings of concurrent
 * requests together, and drops the work of a request whose signal aborts. A CrossEncoder or a
 * LateInteractionModel shares pair batches across requests; an LlmReranker takes each request
 * whole (its prompt prefix is computed once per request). It knows
 * nothing of HTTP: it throws NotReadyError, OverloadedError, TooLongError and CancelledError,
 * which a transport maps to its own answers.
 */
export class QueuedReranker {
  /** Resolves once the model is loaded and has scored a warm-up batch; rejects if loading fails. */
  readonly ready: Promise<void>;
  private encoder: Reranker | null = null;
  private loadError: Error | null = null;
  private readonly queue: WorkQueue<PairEncoding, number>;
  /** An LLM reranker's queue: one item is one request's prompts (their prefix is shared, so a request is never split). */
  private readonly llmQueue: WorkQueue<readonly LlmPrompt[], number[]>;
  private inFlight = 0;
  private drained: Array<() => void> = [];
  private closing = false;
  private lexicalWeight = 0;

  constructor(
    loading: Promise<Reranker>,
    options: QueueOptions,
    private readonly turns: EventLoopTurns = new EventLoopTurns(),
  ) {
    if (options.lexicalWeight !== undefined) this.lexicalWeight = checkFirstStageWeight(options.lexicalWeight, 'lexicalWeight');
    this.queue = new WorkQueue<PairEncoding, number>(
      (encodings, live) => this.model().rawScores(encodings, live),
      (encoding) => encoding.inputIds.length,
      { windowMs: options.batchWindowMs, maxBatchCost: options.maxBatchTokens, maxQueue: options.maxQueue },
      options.onBatch,
    );
    this.llmQueue = new WorkQueue<readonly LlmPrompt[], number[]>(
      async (requests, live) => {
        const scored: number[][] = [];
        for (const [i, prompts] of requests.entries()) scored.push(await this.llm().scorePrompts(prompts, () => live(i)));
        return scored;
      },
      (prompts) => prompts.reduce((tokens, prompt) => tokens + prompt.ownIds.length, prompts[0]?.sharedIds.length ?? 0),
      { windowMs: options.batchWindowMs, maxBatchCost: options.maxBatchTokens, maxQueue: options.maxQueue },
      options.onBatch,
    );
    this.ready = this.warmUp(loading, options.lexicalWeight);
    this.ready.catch(() => {}); // callers that wait see the failure; nobody waiting is not a crash
  }

  get isReady(): boolean {
    return this.encoder !== null;
  }

  get failure(): Error | null {
    return this.loadError;
  }

  get info(): RerankerInfo | null {
    return this.encoder?.info ?? null;
  }

  /** Requests waiting for the model (not counting the batch being scored). */
  get depth(): number {
    return this.activeQueue.depth;
  }

  /** Forward passes run so far (0 before the model is loaded). */
  get forwardPasses(): number {
    return this.encoder?.forwardPasses ?? 0;
  }

  /** Seconds until the queue has likely drained; at least 1. */
  retryAfterSeconds(): number {
    return this.activeQueue.retryAfterSeconds();
  }

  /** Whether the queue is full (score would throw OverloadedError): a transport checks it before reading a request's body, so that refusing costs little. */
  get isBusy(): boolean {
    return this.activeQueue.isFull;
  }

  /** Throws OverloadedError when the queue is full (see isBusy). */
  refuseIfBusy(): void {
    if (this.activeQueue.isFull) throw this.activeQueue.overloaded();
  }

  async score(request: ScoreRequest, signal: AbortSignal): Promise<ScoredDocuments> {
    if (this.closing) throw new NotReadyError('closing', 'the engine is shutting down');
    if (!this.encoder) {
      if (this.loadError) throw new NotReadyError('failed', `the model failed to load: ${this.loadError.message}`);
      throw new NotReadyError('loading', 'the model is still loading');
    }
    if (this.activeQueue.isFull) throw this.activeQueue.overloaded();
    this.inFlight++;
    try {
      if (this.encoder instanceof LlmReranker) return await this.scoreLlm(this.encoder, request, signal);
      const { encoded, lexical } = await this.encode(this.encoder, request, signal);
      const cut = encoded.truncated.indexOf(true);
      if (!request.truncate && cut >= 0) {
        const field = `${request.documentsField}[${cut}]`;
        const { maxLength } = this.encoder.info;
        const cap = request.maxDocumentTokens;
        const perDocument = cap !== undefined && cap < maxLength ? ` or the ${cap} tokens per document allowed` : '';
        throw new TooLongError(`${field} is too long: with the query it exceeds the model's ${maxLength} tokens${perDocument}, and truncate is false`, field);
      }
      const modelRaw = pairScores(encoded, await this.queue.submit(encoded.encodings, signal));
      const raw = lexical ? mixBm25(modelRaw, bm25Scores(lexical.terms, lexical.documents), this.lexicalWeight) : modelRaw;
      const model = this.model();
      return { raw, relevance: raw.map((score) => model.relevance(score)), truncated: encoded.truncated, inputs: encoded.encodings.length };
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.drained.splice(0)) wake();
    }
  }

  /** Stops taking requests, lets those in flight finish, then frees the model. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    await this.queue.idle();
    await this.llmQueue.idle();
    await this.ready.catch(() => {});
    await this.encoder?.close();
  }

  private model(): PairReranker {
    if (!this.encoder || this.encoder instanceof LlmReranker) throw new Error('the pair reranker is not loaded');
    return this.encoder;
  }

  private llm(): LlmReranker {
    if (!(this.encoder instanceof LlmReranker)) throw new Error('the LLM reranker is not loaded');
    return this.encoder;
  }

  private get activeQueue(): WorkQueue<PairEncoding, number> | WorkQueue<readonly LlmPrompt[], number[]> {
    return this.encoder instanceof LlmReranker ? this.llmQueue : this.queue;
  }

  /** An LLM reranker's request: its prompts are built (and checked) on arrival, then queued whole. */
  private async scoreLlm(reranker: LlmReranker, request: ScoreRequest, signal: AbortSignal): Promise<ScoredDocuments> {
    const prompts = reranker.buildPrompts(request.query, request.documents, { instruction: request.instruction });
    const cut = prompts.findIndex((prompt) => prompt.truncated);
    if (!request.truncate && cut >= 0) {
      const field = `${request.documentsField}[${cut}]`;
      throw new TooLongError(`${field} is too long: in the prompt it exceeds the model's ${reranker.info.maxLength} tokens, and truncate is false`, field);
    }
    const [raw] = await this.llmQueue.submit([prompts], signal);
    return { raw, relevance: raw.map(relevanceFromRaw), truncated: prompts.map((p) => p.truncated), inputs: prompts.length };
  }

  /** The weight each request's BM25 is mixed in with, once the model is loaded: the one asked for, else the model's recommendation, else 0. */
  get lexicalMixWeight(): number {
    return this.lexicalWeight;
  }

  private async warmUp(loading: Promise<Reranker>, lexicalWeight: number | undefined): Promise<void> {
    try {
      const encoder = await loading;
      if (encoder instanceof LlmReranker) {
        // No lexical mix: the LLM rerankers recommend no weight, and their scores are probabilities' log-odds.
        await encoder.scoreDocuments('a warm-up query', Array.from({ length: 4 }, () => 'a short document to warm up the model'));
        this.encoder = encoder;
        return;
      }
      // Only a cross-encoder's config recommends a weight; any reranker takes one asked for.
      this.lexicalWeight = encoder instanceof CrossEncoder ? encoder.lexicalWeight(lexicalWeight) : checkFirstStageWeight(lexicalWeight ?? 0, 'lexicalWeight');
      // The first forward passes allocate and tune; a load balancer should not send users to them.
      const warm = encoder.encodePairs(Array.from({ length: 4 }, () => ['a warm-up query', 'a short document to warm up the model'] as const));
      await encoder.rawScores(warm.encodings);
      this.encoder = encoder;
    } catch (error) {
      this.loadError = error instanceof Error ? error : new Error(String(error));
      throw this.loadError;
    }
  }

  /**
   * encodePairs in slices, yielding to the event loop between them; with a lexical weight, each
   * slice's BM25 term counts too (their analysis costs about as much as encoding).
   */
  private async encode(
    encoder: PairReranker,
    request: ScoreRequest,
    signal: AbortSignal,
  ): Promise<{ encoded: EncodedPairs; lexical: { terms: string[]; documents: DocumentTerms[] } | null }> {
    const encoded: EncodedPairs = { encodings: [], owners: [], truncated: [] };
    const lexical = this.lexicalWeight > 0 ? { terms: queryTerms(request.query), documents: [] as DocumentTerms[] } : null;
    const options: EncodePairsOptions = { maxDocumentTokens: request.maxDocumentTokens, truncationDirection: request.truncationDirection };
    // A large request takes a turn of its own from its first slice on: the step that parsed its
    // body (a turn of its own too) is not followed at once by encoding it.
    const large = request.documents.reduce((characters, document) => characters + document.length, request.query.length) >= CHARACTERS_PER_SLICE;
    let start = 0;
    while (start < request.documents.length) {
      if (start > 0 || large) {
        try {
          await this.turns.next(signal);
        } catch {
          throw CancelledError.from(signal, this.queue.retryAfterSeconds());
        }
      }
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
      if (lexical) for (let i = start; i < end; i++) lexical.documents.push(documentTerms(lexical.terms, request.documents[i]));
      start = end;
    }
    return { encoded, lexical };
  }
}
