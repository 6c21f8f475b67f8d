import { InputError, ModelFormatError, positiveIntegerOption } from '../errors.js';
import { batchLimits, type BatchLimits } from '../inference/batching.js';
import { loadModelEncoding } from '../inference/modelEncoding.js';
import { locateModel, ModelRunner, type NamedOutputs } from '../inference/runner.js';
import type { RunnerOptions } from '../inference/runnerOptions.js';
import { outputAsFloat32 } from '../inference/tensors.js';
import type { ModelVariant } from '../model/index.js';
import type { PairEncoding } from '../tokenize/pairEncoder.js';
import type { QueryDocumentPair, RerankOptions, RerankResult } from './crossEncoder.js';
import { rerankInput, type RerankDocument } from './documents.js';
import type { EncodedPairs, EncodePairsOptions } from './encodedPairs.js';
import { LateInteractionEncoder, type DocumentEncoding } from './lateInteractionEncoding.js';
import { readLateInteractionSettings } from './lateInteractionSettings.js';
import { maxSim, type TokenVectors } from './maxSim.js';
import { checkFirstStageWeight } from './interpolation.js';
import { mixLexicalEvidence } from './lexicalMix.js';
import { rankedResults } from './ranking.js';

export interface LateInteractionOptions extends RunnerOptions {
  /** Replaces the model's query length (artifact.metadata query_maxlen, else 32). */
  queryMaxLength?: number;
  /** Replaces the model's document length (doc_maxlen, else 180). */
  documentMaxLength?: number;
  /**
   * Keep only the first this many components of each token vector, then L2-normalise (Matryoshka
   * models such as jina-colbert-v2: 128, 96 or 64); default the model's full output width.
   */
  dimension?: number;
  /** Texts per forward pass at most; default 32. */
  maxBatchTexts?: number;
  /** Padded tokens per forward pass at most; default 8192. */
  maxBatchTokens?: number;
}

/** What was loaded, for logs, `/info` and for an index to record which model made its vectors. */
export interface LateInteractionInfo {
  kind: 'late-interaction';
  modelDir: string;
  weights: string;
  variant: ModelVariant;
  modelType: string;
  /** Length of each token vector (the `dimension` asked for, else the output's width). */
  dimension: number;
  /** The output's own width, before any Matryoshka cut. */
  outputDimension: number;
  queryMaxLength: number;
  /** The document length: what `maxLength` is for a cross-encoder. */
  maxLength: number;
  attendToMaskTokens: boolean;
  maskPunctuation: boolean;
  /** The output the vectors are read from. */
  output: string;
  settingsSource: string;
}

/** A document's model inputs paired with its query's, so that a queue can score them with other requests' pairs. */
export interface LatePairEncoding extends DocumentEncoding {
  query: PairEncoding;
}

/** Graph outputs of ColBERT exports, preferred first (Vespa's `contextual`, colbert-ai/Optimum's `last_hidden_state`). */
const VECTOR_OUTPUTS = ['contextual', 'last_hidden_state', 'token_embeddings'];

const DEFAULT_BATCH: BatchLimits = { maxBatchPairs: 32, maxBatchTokens: 8192 };

/**
 * A late-interaction (ColBERT) model: the query and each document are encoded on their own into
 * one L2-normalised vector per token, and a document's score is the MaxSim of the two sets. So
 * document vectors can be computed once and stored, and reranking costs one query encoding.
 * Runs on the same ModelRunner as the cross-encoder; encodes as colbert-ai does.
 */
export class LateInteractionModel {
  private constructor(
    private readonly runner: ModelRunner,
    readonly encoder: LateInteractionEncoder,
    readonly info: LateInteractionInfo,
    private readonly batch: BatchLimits,
  ) {}

  /** `nameOrDir`: a local model directory, or a Hugging Face id `org/name[@revision]`. */
  static async load(nameOrDir: string, options: LateInteractionOptions = {}): Promise<LateInteractionModel> {
    const located = await locateModel(nameOrDir, options);
    const { files, modelDir } = located;
    const encoding = loadModelEncoding(files, undefined, 'single');
    const settings = readLateInteractionSettings(files);
    const length = (value: number | undefined, fallback: number, name: string): number => {
      const chosen = value === undefined ? fallback : positiveIntegerOption(value, name);
      const least = encoding.encoder.singleSpecialCount + 2;
      if (chosen < least || chosen > encoding.maxLength) throw new InputError(`${name} must be from ${least} to ${encoding.maxLength} for this model, got ${chosen}`);
      return chosen;
    };
    settings.queryMaxLength = length(options.queryMaxLength, settings.queryMaxLength, 'queryMaxLength');
    settings.documentMaxLength = length(options.documentMaxLength, settings.documentMaxLength, 'documentMaxLength');
    const dimension = options.dimension === undefined ? undefined : positiveIntegerOption(options.dimension, 'dimension');
    const batch = batchLimits(options.maxBatchTexts, options.maxBatchTokens, DEFAULT_BATCH, { pairs: 'maxBatchTexts', tokens: 'maxBatchTokens' });
    const runner = await ModelRunner.open(located, options);
    const lateEncoder = new LateInteractionEncoder(encoding.encoder, settings);
    const info: LateInteractionInfo = {
      kind: 'late-interaction',
      modelDir,
      weights: files.weights,
      variant: files.variant,
      modelType: encoding.config.modelType,
      dimension: 0,
      outputDimension: 0,
      queryMaxLength: settings.queryMaxLength,
      maxLength: settings.documentMaxLength,
      attendToMaskTokens: settings.attendToMaskTokens,
      maskPunctuation: settings.maskPunctuation,
      output: '',
      settingsSource: settings.source,
    };
    const model = new LateInteractionModel(runner, lateEncoder, info, batch);
    try {
      // One short pass finds the output and its width, so a wrong export fails here, not on the first query.
      await model.runVectors([lateEncoder.encodeDocument('a')], () => true, (outputs) => {
        const { name, dims } = model.vectorOutput(outputs, 1);
        info.output = name;
        info.outputDimension = dims[2];
        if (dimension !== undefined && dimension > dims[2]) throw new InputError(`dimension must be at most ${dims[2]} for this model (its output width), got ${dimension}`);
        info.dimension = dimension ?? dims[2];
      });
    } catch (error) {
      await runner.close();
      throw error;
    }
    return model;
  }

  /** The query's vectors: one per position of its query_maxlen inputs, [MASK] padding included. */
  async encodeQuery(query: string): Promise<TokenVectors> {
    return (await this.encodeQueries([query]))[0];
  }

  async encodeQueries(queries: readonly string[]): Promise<TokenVectors[]> {
    this.assertOpen();
    const encodings = queries.map((query, i) => this.encoder.encodeQuery(checkText(query, `queries[${i}]`)));
    return this.vectorsOf(encodings, encodings.map((e) => e.inputIds.map(() => true)));
  }

  /** Each document's kept vectors (punctuation dropped), to store or to score with `scoreVectors`. */
  async encodeDocuments(documents: readonly string[]): Promise<TokenVectors[]> {
    this.assertOpen();
    if (!Array.isArray(documents)) throw new InputError('documents must be an array of strings');
    const encodings = documents.map((document, i) => this.encoder.encodeDocument(checkText(document, `documents[${i}]`)));
    return this.vectorsOf(encodings, encodings.map((e) => e.kept));
  }

  /** MaxSim of a query's vectors with each document's. */
  scoreVectors(query: TokenVectors, documents: readonly TokenVectors[]): number[] {
    return documents.map((document) => maxSim(query, document));
  }

  /** One score per (query, document) pair, in input order. */
  async score(pairs: readonly QueryDocumentPair[]): Promise<number[]> {
    return this.rawScores(this.encodePairs(pairs).encodings);
  }

  /** Documents ordered by MaxSim with the query, best first (equal scores keep input order). */
  async rerank<D extends RerankDocument>(query: string, documents: readonly D[], options: RerankOptions = {}): Promise<RerankResult<D>[]> {
    const { texts, topN } = rerankInput(query, documents, options);
    const queryVectors = await this.encodeQuery(query);
    const maxSims = this.scoreVectors(queryVectors, await this.encodeDocuments(texts));
    // No config recommends a weight for these models; one asked for is mixed in as for a cross-encoder.
    const scores = mixLexicalEvidence(query, texts, maxSims, checkFirstStageWeight(options.lexicalWeight ?? 0, 'lexicalWeight'));
    return rankedResults(scores, documents, topN, options.returnDocuments);
  }

  /**
   * The model inputs of pairs, for a queue that scores the pairs of several requests together:
   * each document's inputs carry its query's. Documents are cut at the document length, never
   * chunked (`truncated` says which were cut).
   */
  encodePairs(pairs: readonly QueryDocumentPair[], options: Pick<EncodePairsOptions, 'maxDocumentTokens'> = {}): EncodedPairs {
    this.assertOpen();
    const maxTokens = options.maxDocumentTokens === undefined ? Number.POSITIVE_INFINITY : positiveIntegerOption(options.maxDocumentTokens, 'maxDocumentTokens');
    const queries = new Map<string, PairEncoding>();
    const encoded: EncodedPairs = { encodings: [], owners: [], truncated: [] };
    pairs.forEach(([query, document], index) => {
      if (typeof query !== 'string' || typeof document !== 'string') throw new InputError(`pairs[${index}] must be [query, document] strings`);
      let queryEncoding = queries.get(query);
      if (!queryEncoding) {
        queryEncoding = this.encoder.encodeQuery(query);
        queries.set(query, queryEncoding);
      }
      const documentEncoding: LatePairEncoding = { ...this.encoder.encodeDocument(document, maxTokens), query: queryEncoding };
      encoded.encodings.push(documentEncoding);
      encoded.owners.push(index);
      encoded.truncated.push(documentEncoding.truncated);
    });
    return encoded;
  }

  /**
   * The MaxSim score of each encoding from `encodePairs` (documents of any number of queries);
   * encodings whose `live(index)` turns false before their forward pass are not run and get NaN.
   */
  async rawScores(encodings: readonly PairEncoding[], live: (index: number) => boolean = () => true): Promise<number[]> {
    this.assertOpen();
    const pairs = encodings.map((encoding, i) => {
      const pair = encoding as Partial<LatePairEncoding>;
      if (pair.query === undefined || pair.kept === undefined) throw new InputError(`encodings[${i}] is not from LateInteractionModel.encodePairs`);
      return pair as LatePairEncoding;
    });
    const documentVectors = await this.vectorsOf(pairs, pairs.map((pair) => pair.kept), live);
    const queries = [...new Set(pairs.filter((_, i) => documentVectors[i] !== undefined).map((pair) => pair.query))];
    const queryVectors = await this.vectorsOf(queries, queries.map((q) => q.inputIds.map(() => true)));
    const byQuery = new Map(queries.map((query, i) => [query, queryVectors[i]]));
    return pairs.map((pair, i) => {
      const document = documentVectors[i];
      const query = byQuery.get(pair.query);
      return document === undefined || query === undefined ? Number.NaN : maxSim(query, document);
    });
  }

  /** A relevance in [0, 1] from a MaxSim score: the mean best cosine per query vector, mapped from [-1, 1]. */
  relevance(raw: number): number {
    return Math.min(1, Math.max(0, (raw / this.info.queryMaxLength + 1) / 2));
  }

  /** Forward passes run so far. */
  get forwardPasses(): number {
    return this.runner.forwardPasses;
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  /** The normalised vectors of the positions `kept[i]` says, per encoding; undefined for encodings not run. */
  private async vectorsOf(encodings: readonly PairEncoding[], kept: readonly (readonly boolean[])[], live?: (index: number) => boolean): Promise<TokenVectors[]> {
    const vectors = new Array<TokenVectors>(encodings.length);
    await this.runVectors(encodings, live ?? (() => true), (outputs, rows) => {
      const { name, dims } = this.vectorOutput(outputs, rows.length);
      const data = outputAsFloat32(outputs[name]);
      const [, width, outputDim] = dims;
      // Before load has read the width, the full vector; after, the Matryoshka cut (a prefix of each vector).
      const dim = this.info.dimension || outputDim;
      rows.forEach((index, row) => {
        const keep = kept[index];
        const length = encodings[index].inputIds.length;
        const positions: number[] = [];
        for (let t = 0; t < length; t++) if (keep[t]) positions.push(t);
        const out = new Float32Array(positions.length * dim);
        positions.forEach((t, k) => {
          const base = (row * width + t) * outputDim;
          let sum = 0;
          for (let c = 0; c < dim; c++) sum += data[base + c] * data[base + c];
          // torch.nn.functional.normalize: eps 1e-12.
          const norm = Math.max(Math.sqrt(sum), 1e-12);
          for (let c = 0; c < dim; c++) out[k * dim + c] = data[base + c] / norm;
        });
        vectors[index] = { data: out, count: positions.length, dimension: dim };
      });
    });
    return vectors;
  }

  private runVectors(encodings: readonly PairEncoding[], live: (index: number) => boolean, read: (outputs: NamedOutputs, rows: readonly number[]) => void): Promise<void> {
    return this.runner.runBatches(encodings, this.batch, this.encoder.encoder.padTokenId, read, live);
  }

  private vectorOutput(outputs: NamedOutputs, rows: number): { name: string; dims: [number, number, number] } {
    const names = Object.keys(outputs);
    const name = VECTOR_OUTPUTS.find((candidate) => names.includes(candidate)) ?? this.runner.outputName;
    const dims = outputs[name]?.dims ?? [];
    if (dims.length !== 3 || dims[0] !== rows) {
      throw new ModelFormatError(`${this.info.weights}: output ${name} has shape [${dims.join(', ')}]; a ColBERT model returns one vector per token, [${rows}, sequence, dim]`);
    }
    return { name, dims: [dims[0], dims[1], dims[2]] };
  }

  private assertOpen(): void {
    if (this.runner.isClosed) throw new InputError('this LateInteractionModel is closed');
  }
}

function checkText(text: unknown, field: string): string {
  if (typeof text !== 'string') throw new InputError(`${field} must be a string`);
  return text;
}
