import { InputError, positiveIntegerOption } from '../errors.js';
import { STARTER_MODEL_ID, type ModelConfig, type ModelVariant } from '../model/index.js';
import type { PairEncoder, PairEncoding, TextTokens, TruncationDirection } from '../tokenize/pairEncoder.js';
import type { TruncationStrategy } from '../tokenize/truncation.js';
import { activate, assertSupportedLabelCount, rawScoresFromLogits, relevanceFromRaw, type Activation } from './activation.js';
import { batchLimits, type BatchLimits } from '../inference/batching.js';
import { resolveChunking, windowRanges, type ChunkingOptions, type ResolvedChunking } from './chunking.js';
import { rerankInput, type RerankDocument } from './documents.js';
import { pairScores, type EncodedPairs, type EncodePairsOptions } from './encodedPairs.js';
import { loadModelEncoding } from '../inference/modelEncoding.js';
import { outputAsFloat32 } from '../inference/tensors.js';
import { locateModel, ModelRunner } from '../inference/runner.js';
import type { RunnerOptions } from '../inference/runnerOptions.js';
import { rankByScore } from './ranking.js';
import { checkFirstStageWeight } from './interpolation.js';
import { mixLexicalEvidence } from './lexicalMix.js';
import { recommendedFirstStageWeight } from './recommendedWeight.js';

/**
 * The runner options (variant, device, threads, worker) and, when the model is named by its hub
 * id, the hub options (revision, cacheDir, localFilesOnly, token, endpoint, quiet).
 */
export interface CrossEncoderOptions extends RunnerOptions {
  /** Tokens per pair, special tokens included; default: min(model_max_length, max_position_embeddings). */
  maxLength?: number;
  truncation?: TruncationStrategy;
  /** For one-label models: `none` (raw logit, the default) or `sigmoid`. Two-label models give P(relevant). */
  activation?: Activation;
  /** Pairs per forward pass at most; default 16. */
  maxBatchPairs?: number;
  /** Padded tokens per forward pass at most; default 8192. */
  maxBatchTokens?: number;
  /** Score long documents by their best sliding window instead of truncating them; off by default. */
  chunking?: ChunkingOptions | boolean;
}

export interface RerankOptions {
  /** Return only the best `topN` results. */
  topN?: number;
  /** Include each document in its result. */
  returnDocuments?: boolean;
  /** The field that holds an object document's text; default `text`. */
  textField?: string;
  /**
   * Mix BM25 over the given documents into the order at this weight (see lexicalMix.ts); each
   * result's score is then the mixed score on the model's scale. Default: the weight the model's
   * config recommends (`crossrank.first_stage_weight`; the starter model: 1), else 0. 0: the
   * model's order and scores alone.
   */
  lexicalWeight?: number;
}

export interface RerankResult<D = RerankDocument> {
  /** Position of the document in the input. */
  index: number;
  score: number;
  document?: D;
}

/** What was loaded, for logs, `/info` and debugging. */
export interface CrossEncoderInfo {
  modelDir: string;
  weights: string;
  variant: ModelVariant;
  modelType: string;
  numLabels: number;
  maxLength: number;
  inputs: string[];
}

export type QueryDocumentPair = readonly [query: string, document: string];

const DEFAULT_BATCH: BatchLimits = { maxBatchPairs: 16, maxBatchTokens: 8192 };

/**
 * A cross-encoder reranker: each (query, document) pair goes through the model together and gets
 * one relevance score. Load once, then `rerank` or `score` as often as needed; `close` frees it.
 */
export class CrossEncoder {
  private constructor(
    private readonly runner: ModelRunner,
    readonly encoder: PairEncoder,
    private readonly config: ModelConfig,
    readonly info: CrossEncoderInfo,
    /** What the model's config recommends mixing in (config.json `crossrank.first_stage_weight`), if anything. */
    readonly recommendedWeight: number | undefined,
    private readonly settings: {
      truncation: TruncationStrategy;
      activation: Activation;
      batch: BatchLimits;
      chunking: ChunkingOptions | null;
    },
  ) {}

  /**
   * `nameOrDir`: a local model directory, or a Hugging Face id `org/name[@revision]`, fetched into
   * the shared cache. Left out, the starter model that ships with crossrank (STARTER_MODEL_ID): it
   * works offline, but a published reranker ranks better.
   */
  static async load(nameOrDir: string = STARTER_MODEL_ID, options: CrossEncoderOptions = {}): Promise<CrossEncoder> {
    const located = await locateModel(nameOrDir, options);
    const { files, modelDir } = located;
    const { encoder, config, maxLength } = loadModelEncoding(files, options.maxLength);
    assertSupportedLabelCount(config.numLabels, files.config);
    const batch = batchLimits(options.maxBatchPairs, options.maxBatchTokens, DEFAULT_BATCH, { pairs: 'maxBatchPairs', tokens: 'maxBatchTokens' });
    const chunking = options.chunking === true ? {} : options.chunking ? options.chunking : null;
    const recommendedWeight = recommendedFirstStageWeight(modelDir);

    const runner = await ModelRunner.open(located, options);
    const info: CrossEncoderInfo = {
      modelDir,
      weights: files.weights,
      variant: files.variant,
      modelType: config.modelType,
      numLabels: config.numLabels,
      maxLength,
      inputs: runner.inputNames,
    };
    return new CrossEncoder(runner, encoder, config, info, recommendedWeight, {
      truncation: options.truncation ?? 'longest_first',
      activation: options.activation ?? 'none',
      batch,
      chunking,
    });
  }

  /** Encodes one pair exactly as it is fed to the model (for debugging and `crossrank tokenize`). */
  encodePair(query: string, document: string): PairEncoding {
    return this.encoder.encodePair(query, document, { maxLength: this.info.maxLength, truncation: this.settings.truncation });
  }

  /** One score per (query, document) pair, in input order. */
  async score(pairs: readonly QueryDocumentPair[]): Promise<number[]> {
    const encoded = this.encodePairs(pairs);
    return pairScores(encoded, await this.scoreEncoded(encoded.encodings));
  }

  /**
   * The model inputs of pairs, without scoring them (tokenization only, synchronous). With
   * `scoreEncoded` and `pairScores` it is `score` in two steps, so encodings of several calls
   * can share batches.
   */
  encodePairs(pairs: readonly QueryDocumentPair[], options: EncodePairsOptions = {}): EncodedPairs {
    this.assertOpen();
    const maxDocumentTokens = options.maxDocumentTokens === undefined ? Number.POSITIVE_INFINITY : positiveIntegerOption(options.maxDocumentTokens, 'maxDocumentTokens');
    const direction = options.truncationDirection ?? 'right';
    const queryTokens = new Map<string, TextTokens>();
    const encoded: EncodedPairs = { encodings: [], owners: [], truncated: [] };
    pairs.forEach(([query, document], pairIndex) => {
      if (typeof query !== 'string' || typeof document !== 'string') {
        throw new InputError(`pairs[${pairIndex}] must be [query, document] strings`);
      }
      let queryEncoded = queryTokens.get(query);
      if (!queryEncoded) {
        queryEncoded = this.encoder.encodeTextBounded(query, this.info.maxLength, direction);
        queryTokens.set(query, queryEncoded);
      }
      const documentTokens = capTokens(this.encodeDocumentText(document, maxDocumentTokens, direction, queryEncoded.ids.length), maxDocumentTokens, direction);
      const { encodings, truncated } = this.encodeDocument(queryEncoded, documentTokens.tokens, direction);
      for (const encoding of encodings) {
        encoded.encodings.push(encoding);
        encoded.owners.push(pairIndex);
      }
      encoded.truncated.push(truncated || documentTokens.capped);
    });
    return encoded;
  }

  /** One score per encoding, in input order: the forward passes, in length-sorted batches. */
  async scoreEncoded(encodings: readonly PairEncoding[]): Promise<number[]> {
    const raw = await this.rawScores(encodings);
    return raw.map((score) => activate(score, this.config.numLabels, this.settings.activation));
  }

  /**
   * One raw score per encoding (the logit; for two labels the gap logit1 - logit0), whatever the
   * activation. Encodings whose `live(index)` turns false before their forward pass are not run
   * and get NaN.
   */
  async rawScores(encodings: readonly PairEncoding[], live?: (index: number) => boolean): Promise<number[]> {
    this.assertOpen();
    const scores = new Array<number>(encodings.length).fill(Number.NaN);
    await this.runner.runBatches(
      encodings,
      this.settings.batch,
      this.encoder.padTokenId,
      (outputs, rows) => {
        const logits = outputAsFloat32(outputs[this.runner.outputName]);
        rawScoresFromLogits(logits, rows.length, this.config.numLabels).forEach((score, row) => {
          scores[rows[row]] = score;
        });
      },
      live,
    );
    return scores;
  }

  /** A relevance in [0, 1] from a raw score (what a service answers beside it): its sigmoid. */
  relevance(raw: number): number {
    return relevanceFromRaw(raw);
  }

  /** Forward passes run so far. */
  get forwardPasses(): number {
    return this.runner.forwardPasses;
  }

  /** Documents ordered by relevance to the query, best first (equal scores keep input order). */
  async rerank<D extends RerankDocument>(query: string, documents: readonly D[], options: RerankOptions = {}): Promise<RerankResult<D>[]> {
    const { texts, topN } = rerankInput(query, documents, options);

    const weight = this.lexicalWeight(options.lexicalWeight);
    const pairs = texts.map((text) => [query, text] as const);
    let scores: number[];
    let order: number[];
    if (weight === 0) {
      scores = await this.score(pairs);
      order = rankByScore(scores);
    } else {
      const encoded = this.encodePairs(pairs);
      const mixed = mixLexicalEvidence(query, texts, pairScores(encoded, await this.rawScores(encoded.encodings)), weight);
      // Ordered by the mixed score itself: a sigmoid can round distinct high scores to 1.
      order = rankByScore(mixed);
      scores = mixed.map((score) => activate(score, this.config.numLabels, this.settings.activation));
    }
    return order.slice(0, topN).map((index) =>
      options.returnDocuments ? { index, score: scores[index], document: documents[index] } : { index, score: scores[index] },
    );
  }

  /** The weight `rerank` mixes BM25 over the given documents in with: the caller's, else the config's recommendation, else 0. */
  lexicalWeight(requested?: number): number {
    return checkFirstStageWeight(requested ?? this.recommendedWeight ?? 0, 'lexicalWeight');
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  /**
   * A document's tokens, of a huge one only a part (see PairEncoder.encodeTextBounded): as many
   * as can matter. Beside a query shorter than max_length, a pair keeps and compares no more
   * than max_length document tokens, whether or not the per-document cap cut them first; else
   * the cap decides. Chunking's windows need more (they start at the document's start, whichever
   * side truncation cuts).
   */
  private encodeDocumentText(document: string, maxDocumentTokens: number, direction: TruncationDirection, queryLength: number): TextTokens {
    const { maxLength } = this.info;
    const chunking = this.settings.chunking;
    // A query that leaves no room is paired whole, not in windows (see encodeDocument).
    const windows = chunking && this.encoder.documentBudget(queryLength, maxLength) > 0 ? chunking : null;
    if (!windows && queryLength < maxLength) return this.encoder.encodeTextBounded(document, Math.min(maxLength, maxDocumentTokens), direction);
    if (Number.isFinite(maxDocumentTokens)) return this.encoder.encodeTextBounded(document, maxDocumentTokens, direction);
    if (!windows) return this.encoder.encodeTextBounded(document, maxLength, direction);
    // resolveChunking's window is at most max_length, its default stride half the window.
    const stride = windows.stride ?? Math.floor(maxLength / 2);
    const maxChunks = windows.maxChunks ?? 8;
    return this.encoder.encodeTextBounded(document, (maxChunks - 1) * Math.max(1, stride) + maxLength, 'right');
  }

  private encodeDocument(query: TextTokens, document: TextTokens, direction: TruncationDirection): { encodings: PairEncoding[]; truncated: boolean } {
    const options = { maxLength: this.info.maxLength, truncation: this.settings.truncation, direction };
    const budget = this.encoder.documentBudget(query.ids.length, this.info.maxLength);
    if (!this.settings.chunking || document.ids.length <= budget || budget === 0) {
      const encoding = this.encoder.assemble(query, document, options);
      const fed = encoding.inputIds.length - this.encoder.pairSpecialCount;
      return { encodings: [encoding], truncated: fed < query.ids.length + document.ids.length };
    }
    const chunking: ResolvedChunking = resolveChunking(this.settings.chunking, budget);
    const ranges = windowRanges(document.ids.length, chunking);
    return {
      encodings: ranges.map(([start, end]) =>
        this.encoder.assemble(query, { ids: document.ids.slice(start, end), tokens: document.tokens.slice(start, end) }, options),
      ),
      truncated: ranges[ranges.length - 1][1] < document.ids.length,
    };
  }

  private assertOpen(): void {
    if (this.runner.isClosed) throw new InputError('this CrossEncoder is closed');
  }
}

/** A document's first (or, truncating from the left, last) `max` tokens. */
function capTokens(document: TextTokens, max: number, direction: TruncationDirection): { tokens: TextTokens; capped: boolean } {
  if (document.ids.length <= max) return { tokens: document, capped: false };
  const [start, end] = direction === 'left' ? [document.ids.length - max, document.ids.length] : [0, max];
  // Without its text: the text no longer matches the tokens (see PairEncoder's truncation lengths).
  return { tokens: { ids: document.ids.slice(start, end), tokens: document.tokens.slice(start, end) }, capped: true };
}

// What callers of the engine (the CLI, the server) name in their options, without reaching into the model and tokenizer layers.
export { MODEL_VARIANTS, STARTER_MODEL_ID, type Device, type ModelVariant } from '../model/index.js';
export { TRUNCATION_STRATEGIES, type TruncationStrategy } from '../tokenize/truncation.js';
