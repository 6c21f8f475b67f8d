import { InputError } from '../errors.js';
import {
  locateModelFiles,
  openOnnxModel,
  type Device,
  type ModelConfig,
  type ModelVariant,
  type OnnxModel,
} from '../model/index.js';
import type { PairEncoder, PairEncoding, TextTokens } from '../tokenize/pairEncoder.js';
import type { TruncationStrategy } from '../tokenize/truncation.js';
import { assertSupportedLabelCount, scoresFromLogits, type Activation } from './activation.js';
import { planBatches, type BatchLimits } from './batching.js';
import { resolveChunking, windowRanges, type ChunkingOptions, type ResolvedChunking } from './chunking.js';
import { checkQuery, documentText, type RerankDocument } from './documents.js';
import { loadModelEncoding } from './modelEncoding.js';
import { batchFeeds, logitsAsFloat32 } from './tensors.js';

export interface CrossEncoderOptions {
  /** fp32, quantized (int8) or fp16 weights; default: quantized on CPU where the model has them, else fp32. */
  variant?: ModelVariant;
  device?: Device;
  /** ONNX Runtime intra-op threads; default: the machine's cores. */
  threads?: number;
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
  private closed = false;

  private constructor(
    private readonly model: OnnxModel,
    readonly encoder: PairEncoder,
    private readonly config: ModelConfig,
    readonly info: CrossEncoderInfo,
    private readonly settings: {
      truncation: TruncationStrategy;
      activation: Activation;
      batch: BatchLimits;
      chunking: ChunkingOptions | null;
    },
  ) {}

  static async load(modelDir: string, options: CrossEncoderOptions = {}): Promise<CrossEncoder> {
    const files = locateModelFiles(modelDir, { variant: options.variant, preferFor: options.device === 'cuda' ? 'gpu' : 'cpu' });
    const { encoder, config, maxLength } = loadModelEncoding(files, options.maxLength);
    assertSupportedLabelCount(config.numLabels, files.config);
    const batch = {
      maxBatchPairs: positiveInteger(options.maxBatchPairs ?? DEFAULT_BATCH.maxBatchPairs, 'maxBatchPairs'),
      maxBatchTokens: positiveInteger(options.maxBatchTokens ?? DEFAULT_BATCH.maxBatchTokens, 'maxBatchTokens'),
    };
    const chunking = options.chunking === true ? {} : options.chunking ? options.chunking : null;

    const model = await openOnnxModel(files.weights, { threads: options.threads, device: options.device });
    const info: CrossEncoderInfo = {
      modelDir,
      weights: files.weights,
      variant: files.variant,
      modelType: config.modelType,
      numLabels: config.numLabels,
      maxLength,
      inputs: [...model.inputs.keys()],
    };
    return new CrossEncoder(model, encoder, config, info, {
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
    this.assertOpen();
    const queryTokens = new Map<string, TextTokens>();
    const encodings: PairEncoding[] = [];
    const owners: number[] = []; // encodings[i] belongs to pairs[owners[i]]
    pairs.forEach(([query, document], pairIndex) => {
      if (typeof query !== 'string' || typeof document !== 'string') {
        throw new InputError(`pairs[${pairIndex}] must be [query, document] strings`);
      }
      let queryEncoded = queryTokens.get(query);
      if (!queryEncoded) {
        queryEncoded = this.encoder.encodeText(query);
        queryTokens.set(query, queryEncoded);
      }
      for (const encoding of this.encodeDocument(queryEncoded, this.encoder.encodeText(document))) {
        encodings.push(encoding);
        owners.push(pairIndex);
      }
    });

    const chunkScores = await this.scoreEncodings(encodings);
    const scores = new Array<number>(pairs.length).fill(Number.NEGATIVE_INFINITY);
    chunkScores.forEach((score, i) => {
      if (score > scores[owners[i]]) scores[owners[i]] = score;
    });
    return scores;
  }

  /** Documents ordered by relevance to the query, best first (equal scores keep input order). */
  async rerank<D extends RerankDocument>(query: string, documents: readonly D[], options: RerankOptions = {}): Promise<RerankResult<D>[]> {
    checkQuery(query);
    if (!Array.isArray(documents)) throw new InputError('documents must be an array');
    const textField = options.textField ?? 'text';
    const texts = documents.map((document, index) => documentText(document, index, textField));
    const topN = options.topN ?? documents.length;
    if (options.topN !== undefined && (!Number.isInteger(topN) || topN < 1)) {
      throw new InputError(`topN must be a positive integer, got ${options.topN}`);
    }

    const scores = await this.score(texts.map((text) => [query, text] as const));
    const order = scores.map((_, index) => index).sort((a, b) => scores[b] - scores[a] || a - b);
    return order.slice(0, topN).map((index) =>
      options.returnDocuments ? { index, score: scores[index], document: documents[index] } : { index, score: scores[index] },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.model.session.release();
  }

  private encodeDocument(query: TextTokens, document: TextTokens): PairEncoding[] {
    const options = { maxLength: this.info.maxLength, truncation: this.settings.truncation };
    const budget = this.encoder.documentBudget(query.ids.length, this.info.maxLength);
    if (!this.settings.chunking || document.ids.length <= budget || budget === 0) {
      return [this.encoder.assemble(query, document, options)];
    }
    const chunking: ResolvedChunking = resolveChunking(this.settings.chunking, budget);
    return windowRanges(document.ids.length, chunking).map(([start, end]) =>
      this.encoder.assemble(query, { ids: document.ids.slice(start, end), tokens: document.tokens.slice(start, end) }, options),
    );
  }

  private async scoreEncodings(encodings: readonly PairEncoding[]): Promise<number[]> {
    const scores = new Array<number>(encodings.length);
    const batches = planBatches(
      encodings.map((e) => e.inputIds.length),
      this.settings.batch,
    );
    for (const batch of batches) {
      const rows = batch.map((i) => encodings[i]);
      const feeds = batchFeeds(rows, this.model.inputs, this.encoder.padTokenId);
      const outputs = await this.model.session.run(feeds);
      const logits = logitsAsFloat32(outputs[this.model.outputName]);
      const batchScores = scoresFromLogits(logits, rows.length, this.config.numLabels, this.settings.activation);
      batch.forEach((encodingIndex, row) => {
        scores[encodingIndex] = batchScores[row];
      });
    }
    return scores;
  }

  private assertOpen(): void {
    if (this.closed) throw new InputError('this CrossEncoder is closed');
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError(`${name} must be a positive integer, got ${value}`);
  return value;
}
