import { InputError, ModelFormatError } from '../errors.js';
import { batchLimits, type BatchLimits } from '../inference/batching.js';
import { loadModelEncoding } from '../inference/modelEncoding.js';
import { locateModel, ModelRunner, type NamedOutputs } from '../inference/runner.js';
import type { RunnerOptions } from '../inference/runnerOptions.js';
import { outputAsFloat32 } from '../inference/tensors.js';
import { readJsonObject, type ModelVariant } from '../model/index.js';
import type { PairEncoder, PairEncoding } from '../tokenize/pairEncoder.js';
import { l2Normalize, poolTokenStates, type PoolingMode } from './pooling.js';
import { readEmbeddingConfig } from './sentenceTransformers.js';

/**
 * The runner options (variant, device, threads, worker) and, when the model is named by its hub
 * id, the hub options (revision, cacheDir, localFilesOnly, token, endpoint, quiet).
 */
export interface BiEncoderOptions extends RunnerOptions {
  /** Tokens per text, special tokens included; default: sentence_bert_config.json max_seq_length, else the model limit. */
  maxLength?: number;
  /** Texts per forward pass at most; default 32. */
  maxBatchTexts?: number;
  /** Padded tokens per forward pass at most; default 8192. */
  maxBatchTokens?: number;
  /** Replaces the pooling of 1_Pooling/config.json. */
  pooling?: PoolingMode;
  /** Replaces what modules.json says about L2 normalisation. */
  normalize?: boolean;
  /** Put before each query (e5: `query: `); default: config_sentence_transformers.json prompts.query, else none. */
  queryPrefix?: string;
  /** Put before each document (e5: `passage: `); default: the model's document prompt, else none. */
  documentPrefix?: string;
}

/** What was loaded, for logs and for an index to record which model made its vectors. */
export interface BiEncoderInfo {
  modelDir: string;
  weights: string;
  variant: ModelVariant;
  modelType: string;
  /** Length of each embedding. */
  dimension: number;
  pooling: PoolingMode[];
  poolingSource: string;
  normalize: boolean;
  maxLength: number;
  queryPrefix: string;
  documentPrefix: string;
}

/** Graph outputs an embedding model may have, preferred first: a pooled vector, else token states. */
const POOLED_OUTPUTS = ['sentence_embedding'];
const TOKEN_OUTPUTS = ['last_hidden_state', 'token_embeddings'];

const DEFAULT_BATCH: BatchLimits = { maxBatchPairs: 32, maxBatchTokens: 8192 };

/**
 * A bi-encoder (sentence embedding model): each text becomes one vector on its own, so documents
 * are embedded once at indexing time and a query costs one forward pass. Loads sentence-transformers
 * models exported to ONNX in the Hugging Face layout, pools and normalises as their files say.
 */
export class BiEncoder {
  private constructor(
    private readonly runner: ModelRunner,
    private readonly encoder: PairEncoder,
    readonly info: BiEncoderInfo,
    private readonly batch: BatchLimits,
  ) {}

  /** `nameOrDir`: a local model directory, or a Hugging Face id `org/name[@revision]`, fetched into the shared cache. */
  static async load(nameOrDir: string, options: BiEncoderOptions = {}): Promise<BiEncoder> {
    const located = await locateModel(nameOrDir, options);
    const { files, modelDir } = located;
    const st = readEmbeddingConfig(modelDir);
    const encoding = loadModelEncoding(files, options.maxLength, 'single');
    // max_seq_length is what the model was trained with; it may not exceed the position limit.
    const maxLength = options.maxLength ?? Math.min(st.maxSeqLength ?? encoding.maxLength, encoding.maxLength);
    const pooling = options.pooling ? [options.pooling] : st.pooling;
    const hiddenSize = readJsonObject(files.config).hidden_size;
    const tokenDimension = st.tokenDimension ?? (typeof hiddenSize === 'number' ? hiddenSize : undefined);
    if (tokenDimension === undefined) throw new ModelFormatError(`${files.config}: hidden_size is missing, so the embedding size is unknown`);
    const batch = batchLimits(options.maxBatchTexts, options.maxBatchTokens, DEFAULT_BATCH, { pairs: 'maxBatchTexts', tokens: 'maxBatchTokens' });
    const runner = await ModelRunner.open(located, options);
    const info: BiEncoderInfo = {
      modelDir,
      weights: files.weights,
      variant: files.variant,
      modelType: encoding.config.modelType,
      dimension: tokenDimension * pooling.length,
      pooling,
      poolingSource: options.pooling ? 'option' : st.poolingSource,
      normalize: options.normalize ?? st.normalize,
      maxLength,
      queryPrefix: options.queryPrefix ?? st.prompts.query ?? '',
      documentPrefix: options.documentPrefix ?? st.prompts.document ?? '',
    };
    return new BiEncoder(runner, encoding.encoder, info, batch);
  }

  /** The model inputs of one text, `prefix` before it, as fed (after truncation to maxLength). */
  encode(text: string, prefix = ''): PairEncoding {
    return this.encoder.encodeSingle(text, { maxLength: this.info.maxLength, prefix });
  }

  /** One vector per text, in input order; texts are embedded as given (no prefix). */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedPrefixed(texts, '');
  }

  /** Embeds queries with the query prefix. */
  embedQueries(queries: readonly string[]): Promise<Float32Array[]> {
    return this.embedPrefixed(queries, this.info.queryPrefix);
  }

  /** Embeds documents with the document prefix. */
  embedDocuments(documents: readonly string[]): Promise<Float32Array[]> {
    return this.embedPrefixed(documents, this.info.documentPrefix);
  }

  private async embedPrefixed(texts: readonly string[], prefix: string): Promise<Float32Array[]> {
    if (this.runner.isClosed) throw new InputError('this BiEncoder is closed');
    if (!Array.isArray(texts)) throw new InputError('texts must be an array of strings');
    const encodings = texts.map((text, i) => {
      if (typeof text !== 'string') throw new InputError(`texts[${i}] must be a string`);
      return this.encode(text, prefix);
    });
    const vectors = new Array<Float32Array>(texts.length);
    await this.runner.runBatches(encodings, this.batch, this.encoder.padTokenId, (outputs, batch) => {
      const pooled = this.pool(
        outputs,
        batch.map((i) => encodings[i]),
      );
      batch.forEach((textIndex, row) => {
        vectors[textIndex] = this.info.normalize ? l2Normalize(pooled[row]) : pooled[row];
      });
    });
    return vectors;
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  private pool(outputs: NamedOutputs, rows: readonly PairEncoding[]): Float32Array[] {
    const names = Object.keys(outputs);
    const pooledName = POOLED_OUTPUTS.find((name) => names.includes(name));
    const tokenName = TOKEN_OUTPUTS.find((name) => names.includes(name)) ?? (pooledName ? undefined : this.runner.outputName);
    const name = pooledName ?? tokenName;
    const tensor = name === undefined ? undefined : outputs[name];
    if (name === undefined || tensor === undefined) {
      throw new ModelFormatError(`${this.info.weights}: outputs ${names.join(', ')}; an embedding model needs last_hidden_state or sentence_embedding`);
    }
    const data = outputAsFloat32(tensor);
    const dims = tensor.dims;
    if (dims.length === 2 && dims[0] === rows.length && dims[1] === this.info.dimension) {
      return rows.map((_, row) => data.slice(row * this.info.dimension, (row + 1) * this.info.dimension));
    }
    const hidden = this.info.dimension / this.info.pooling.length;
    if (dims.length === 3 && dims[0] === rows.length && dims[2] === hidden) {
      return poolTokenStates(data, [dims[0], dims[1], dims[2]], rows.map((row) => row.inputIds.length), this.info.pooling);
    }
    throw new ModelFormatError(
      `${this.info.weights}: output ${name} has shape [${dims.join(', ')}]; expected [${rows.length}, sequence, ${hidden}] token states or [${rows.length}, ${this.info.dimension}]`,
    );
  }
}
