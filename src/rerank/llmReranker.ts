import { basename } from 'node:path';
import { InputError, ModelFormatError, positiveIntegerOption } from '../errors.js';
import { batchLimits, planBatches, type BatchLimits } from '../inference/batching.js';
import { decoderFeeds, lastPositionLogits, prefixCacheFrom, regroupBatches, rowGrouping, type CacheShape, type DecoderForm, type PrefixCache } from '../inference/decoderFeeds.js';
import { locateModel, ModelRunner } from '../inference/runner.js';
import type { RunnerOptions } from '../inference/runnerOptions.js';
import { answerLogitsWeights, graphOperators, parseDecoderConfig, readJsonObject, type ModelVariant } from '../model/index.js';
import { PairEncoder } from '../tokenize/pairEncoder.js';
import { sigmoid } from './activation.js';
import type { RerankOptions, RerankResult } from './crossEncoder.js';
import { checkQuery, documentText, type RerankDocument } from './documents.js';
import { answerTokens, LlmPromptBuilder, type AnswerTokens, type LlmPrompt } from './llmPrompt.js';
import { knownPromptFormat, resolvePromptFormat, type LlmPromptFormat } from './llmPromptFormats.js';
import { rankByScore } from './ranking.js';

export interface LlmRerankerOptions extends RunnerOptions {
  /** Tokens per prompt, all of it; default: min(model_max_length, max_position_embeddings). Only the document is cut to fit. */
  maxLength?: number;
  /**
   * `qwen3-reranker`, `mxbai-rerank-v2`, `bge-reranker-v2-gemma`, or a format object (see
   * docs/llm-rerankers.md); default: the format of the known model the name or folder names.
   */
  promptFormat?: string | LlmPromptFormat;
  /** The instruction for every request that gives none; default: the format's own. */
  instruction?: string;
  /** Prompts per forward pass at most; default 8. */
  maxBatchPairs?: number;
  /** Padded tokens per forward pass at most (after the shared prefix); default 4096. */
  maxBatchTokens?: number;
  /** Run the prompt's shared prefix (system turn, instruction, query) once per request and reuse its key/value cache; default true. */
  sharePrefix?: boolean;
  /**
   * Compute only what the score reads: the graph is rewritten once (cached beside the weights) so
   * that only the last position's hidden state meets only the answer tokens' rows of the output
   * matrix; default true. Heads that cannot be cut (quantized MatMulNBits) run whole.
   */
  cutOutput?: boolean;
}

/** Per request: the instruction (a task description) the model reads before the query. */
export interface LlmScoreOptions {
  instruction?: string;
}

export interface LlmRerankerInfo {
  modelDir: string;
  weights: string;
  variant: ModelVariant;
  modelType: string;
  promptFormat: string;
  maxLength: number;
  /** The weights file actually run: the cut graph where the output was cut. */
  running: string;
  outputCut: boolean;
  inputs: string[];
  /**
   * How the export attends: `masked` (plain ops, Optimum) or `sequence-lengths` (ONNX Runtime's
   * GroupQueryAttention, onnxruntime-genai's builder), found in the graph; it decides how batches
   * are padded (docs/llm-rerankers.md).
   */
  attention: 'masked' | 'sequence-lengths';
}

/** Each document's raw score (the yes logit, less the no logit where the format has one) and relevance (its sigmoid). */
export interface LlmScores {
  raw: number[];
  relevance: number[];
  /** Per document, whether it lost tokens to fit maxLength. */
  truncated: boolean[];
}

const DEFAULT_BATCH: BatchLimits = { maxBatchPairs: 8, maxBatchTokens: 4096 };

/**
 * A decoder reranker (Qwen3-Reranker, mxbai-rerank-v2, bge-reranker-v2-gemma): the model reads
 * an instruction, the query and one document and the score is how much it prefers answering
 * "yes". It runs on the shared ModelRunner; a request's common prompt prefix is run once and its
 * key/value cache reused for every batch of documents.
 */
export class LlmReranker {
  private constructor(
    private readonly runner: ModelRunner,
    private readonly prompts: LlmPromptBuilder,
    /** The logits columns of the answer: vocabulary ids, or 0 and 1 in a cut graph's output. */
    private readonly answer: AnswerTokens,
    private readonly shape: CacheShape,
    private readonly padId: number,
    private readonly form: DecoderForm,
    readonly info: LlmRerankerInfo,
    private readonly settings: { batch: BatchLimits; sharePrefix: boolean; instruction?: string },
  ) {}

  static async load(nameOrDir: string, options: LlmRerankerOptions = {}): Promise<LlmReranker> {
    const located = await locateModel(nameOrDir, options);
    const { files, modelDir } = located;
    const configJson = readJsonObject(files.config);
    const config = parseDecoderConfig(configJson, files.config);
    const tokenizerConfig = readJsonObject(files.tokenizerConfig);
    const encoder = PairEncoder.fromJson(readJsonObject(files.tokenizer), tokenizerConfig);
    const format = options.promptFormat !== undefined ? resolvePromptFormat(options.promptFormat) : knownPromptFormat(nameOrDir) ?? knownPromptFormat(basename(modelDir));
    if (!format) {
      throw new InputError(`${nameOrDir} is not a known LLM reranker; give its prompt format (promptFormat / --prompt-format: qwen3-reranker, mxbai-rerank-v2, bge-reranker-v2-gemma or a JSON file)`);
    }
    const maxLength = decoderMaxLength(config.maxPositionEmbeddings, tokenizerConfig, options.maxLength);
    const vocabularyAnswer = answerTokens(encoder, format);
    const answerIds = vocabularyAnswer.noId === undefined ? [vocabularyAnswer.yesId] : [vocabularyAnswer.yesId, vocabularyAnswer.noId];
    const batch = batchLimits(options.maxBatchPairs, options.maxBatchTokens, DEFAULT_BATCH, { pairs: 'maxBatchPairs', tokens: 'maxBatchTokens' });
    const cutWeights = options.cutOutput === false ? null : answerLogitsWeights(files.weights, answerIds);
    const answer: AnswerTokens = cutWeights ? { yesId: 0, noId: vocabularyAnswer.noId === undefined ? undefined : 1 } : vocabularyAnswer;
    const runner = await ModelRunner.open(cutWeights ? { ...located, files: { ...files, weights: cutWeights } } : located, options);
    const cacheInputs = runner.decoderInputs.filter((name) => name.startsWith('past_key_values.'));
    const positionIds = runner.decoderInputs.includes('position_ids');
    // GroupQueryAttention reads each row's length, not the mask: batches are padded differently (DecoderAttention).
    const attention = graphOperators(files.weights).has('com.microsoft:GroupQueryAttention') ? 'sequence-lengths' : 'masked';
    if ((attention === 'masked' && !positionIds) || !runner.inputNames.includes('attention_mask') || cacheInputs.length !== 2 * config.layers) {
      await runner.close();
      throw new ModelFormatError(
        `${files.weights}: an LLM reranker needs a causal-LM export with attention_mask, position_ids (unless attention is GroupQueryAttention) and past_key_values.{0..${config.layers - 1}}.key|value inputs (Optimum "text-generation-with-past" or onnxruntime-genai's builder); this one has ${runner.inputNames.concat(runner.decoderInputs).join(', ')}`,
      );
    }
    const info: LlmRerankerInfo = {
      modelDir,
      weights: files.weights,
      variant: files.variant,
      modelType: config.modelType,
      promptFormat: format.name,
      maxLength,
      running: cutWeights ?? files.weights,
      outputCut: cutWeights !== null,
      inputs: [...runner.inputNames, ...runner.decoderInputs],
      attention,
    };
    return new LlmReranker(runner, new LlmPromptBuilder(encoder, format, maxLength), answer, config, encoder.padTokenId, { attention, positionIds, cacheType: runner.cacheType }, info, {
      batch,
      sharePrefix: options.sharePrefix ?? true,
      instruction: options.instruction,
    });
  }

  /** The prompts of a query against each document, as the model is fed them (for debugging and tests). */
  buildPrompts(query: string, documents: readonly string[], options: LlmScoreOptions = {}): LlmPrompt[] {
    return this.prompts.build(query, documents, options.instruction ?? this.settings.instruction);
  }

  /**
   * Raw score and relevance of each document, in input order. `live(index)` is asked just before
   * a document's forward pass; documents for which it is false are not run and get NaN.
   */
  async scoreDocuments(query: string, documents: readonly string[], options: LlmScoreOptions = {}, live: (index: number) => boolean = () => true): Promise<LlmScores> {
    if (this.runner.isClosed) throw new InputError('this LlmReranker is closed');
    checkQuery(query);
    if (options.instruction !== undefined && typeof options.instruction !== 'string') throw new InputError('instruction must be a string');
    const prompts = this.buildPrompts(query, documents, options);
    const raw = await this.scorePrompts(prompts, live);
    return { raw, relevance: raw.map((score) => (Number.isNaN(score) ? score : sigmoid(score))), truncated: prompts.map((p) => p.truncated) };
  }

  /**
   * The raw score of each prompt of one request (built by buildPrompts: all share one prefix),
   * in length-sorted batches; with prefix sharing the prefix is run once first.
   */
  async scorePrompts(prompts: readonly LlmPrompt[], live: (index: number) => boolean = () => true): Promise<number[]> {
    const raw = new Array<number>(prompts.length).fill(Number.NaN);
    if (prompts.length === 0 || !prompts.some((_, i) => live(i))) return raw;
    const prefix = this.settings.sharePrefix ? await this.runPrefix(prompts[0].sharedIds) : null;
    const rows = prompts.map((p) => (prefix ? p.ownIds : [...p.sharedIds, ...p.ownIds]));
    const lengths = rows.map((r) => r.length);
    for (const planned of regroupBatches(planBatches(lengths, this.settings.batch), lengths, rowGrouping(this.form.attention, prefix))) {
      const batch = planned.filter(live);
      if (batch.length === 0) continue;
      const outputs = await this.runner.run(decoderFeeds(batch.map((i) => rows[i]), this.shape, this.padId, prefix, this.form));
      lastPositionLogits(outputs[this.runner.outputName], this.answerIds()).forEach(([yes, no], row) => {
        raw[batch[row]] = no === undefined ? yes : yes - no;
      });
    }
    return raw;
  }

  /** Relevance in [0, 1] of each document (for Qwen3-Reranker, P(yes)), in input order. */
  async score(query: string, documents: readonly string[], options: LlmScoreOptions = {}): Promise<number[]> {
    return (await this.scoreDocuments(query, documents, options)).relevance;
  }

  /** Documents ordered by relevance to the query, best first (equal scores keep input order). */
  async rerank<D extends RerankDocument>(query: string, documents: readonly D[], options: RerankOptions & LlmScoreOptions = {}): Promise<RerankResult<D>[]> {
    checkQuery(query);
    if (!Array.isArray(documents)) throw new InputError('documents must be an array');
    const texts = documents.map((document, index) => documentText(document, index, options.textField ?? 'text'));
    const topN = options.topN === undefined ? documents.length : positiveIntegerOption(options.topN, 'topN');
    const scores = await this.score(query, texts, options);
    return rankByScore(scores)
      .slice(0, topN)
      .map((index) => (options.returnDocuments ? { index, score: scores[index], document: documents[index] } : { index, score: scores[index] }));
  }

  get forwardPasses(): number {
    return this.runner.forwardPasses;
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  private answerIds(): number[] {
    return this.answer.noId === undefined ? [this.answer.yesId] : [this.answer.yesId, this.answer.noId];
  }

  private async runPrefix(ids: readonly number[]): Promise<PrefixCache | null> {
    if (ids.length === 0) return null;
    const outputs = await this.runner.run(decoderFeeds([ids], this.shape, this.padId, null, this.form));
    return prefixCacheFrom(outputs, this.shape, ids.length);
  }
}

/** min(tokenizer model_max_length, max_position_embeddings), or the lower length asked for. */
function decoderMaxLength(maxPositions: number | undefined, tokenizerConfig: Record<string, unknown>, asked: number | undefined): number {
  const limits = [maxPositions, tokenizerConfig.model_max_length].filter((v): v is number => typeof v === 'number' && v > 0 && v < 1e9);
  const modelLimit = limits.length > 0 ? Math.min(...limits) : 8192;
  if (asked === undefined) return modelLimit;
  if (!Number.isInteger(asked) || asked < 1 || asked > modelLimit) throw new InputError(`max length must be an integer from 1 to ${modelLimit} for this model, got ${asked}`);
  return asked;
}
