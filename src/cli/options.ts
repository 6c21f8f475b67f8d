import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { ACTIVATIONS } from '../rerank/activation.js';
import { MODEL_VARIANTS, STARTER_MODEL_ID, TRUNCATION_STRATEGIES, type Device, type ModelVariant, type TruncationStrategy } from '../rerank/crossEncoder.js';
import { resolvePromptFormat, type LlmPromptFormat } from '../rerank/llmPromptFormats.js';
import type { RerankerOptions } from '../rerank/loadReranker.js';
import { InputError } from '../errors.js';
import { nonNegativeNumber, positiveInteger } from './optionParsers.js';

/** What --model takes, for every command that runs a cross-encoder. */
export const MODEL_HELP = `model directory (Hugging Face layout with ONNX weights), or Hugging Face id org/name[@revision], fetched into the shared cache; ${STARTER_MODEL_ID} is the small offline starter model that ships with crossrank`;

/**
 * Every flag that more than one command takes, declared once: its flag (a short flag means the
 * same thing in every command), environment variable, default and help. Each call makes a new
 * Option, as commander ties an option to one command; a command adds the ones it takes.
 */
export const OPTIONS = {
  /** The cross-encoder. `defaultModel`: rerank, tokenize and serve run the starter model unless told; search and eval rerank only when given one. */
  model: (defaultModel?: string, help = MODEL_HELP): Option => {
    const option = new Option('-m, --model <dir|id>', help).env('CROSSRANK_MODEL');
    return defaultModel === undefined ? option : option.default(defaultModel);
  },
  variant: (help = 'weights to run (default: quantized where present, else fp32)'): Option =>
    new Option('--variant <variant>', help).choices(MODEL_VARIANTS).env('CROSSRANK_VARIANT'),
  threads: (help = 'ONNX Runtime threads (default: all cores)'): Option => new Option('--threads <n>', help).argParser(positiveInteger).env('CROSSRANK_THREADS'),
  device: (): Option =>
    new Option('--device <device>', 'where the model runs; cuda needs the CUDA build of onnxruntime-node (see README)')
      .choices(['cpu', 'cuda'])
      .default('cpu')
      .env('CROSSRANK_DEVICE'),
  maxLength: (): Option => new Option('--max-length <n>', 'tokens per (query, document) pair, special tokens included (default: the model limit)').argParser(positiveInteger),
  truncation: (): Option => new Option('--truncation <strategy>', 'how a pair that does not fit is shortened').choices(TRUNCATION_STRATEGIES).default('longest_first'),
  activation: (): Option => new Option('--activation <fn>', 'for one-label models: raw logit or sigmoid').choices(ACTIVATIONS).default('none'),
  /** Pairs per forward pass, wherever it appears (documents per index transaction are --docs-per-commit). */
  batchSize: (): Option => new Option('--batch-size <n>', 'pairs per forward pass at most (default 16)').argParser(positiveInteger),
  batchTokens: (): Option => new Option('--batch-tokens <n>', 'padded tokens per forward pass at most (default 8192)').argParser(positiveInteger),
  chunk: (): Option => new Option('--chunk', 'score long documents by their best sliding window instead of truncating them'),
  chunkWindow: (): Option => new Option('--chunk-window <tokens>', 'document tokens per window (default: all that fit)').argParser(positiveInteger),
  chunkStride: (): Option => new Option('--chunk-stride <tokens>', 'tokens between window starts (default: half a window)').argParser(positiveInteger),
  maxChunks: (): Option => new Option('--max-chunks <n>', 'windows per document at most (default 8)').argParser(positiveInteger),
  /** Every command that can draw a progress bar (indexing, evaluating, a model download) takes it. */
  quiet: (): Option => new Option('--quiet', 'no progress bars (they are only drawn on a terminal)'),
  json: (help: string): Option => new Option('--json', help),
  topN: (help: string, defaultTopN?: number): Option => {
    const option = new Option('-k, --top-n <k>', help).argParser(positiveInteger);
    return defaultTopN === undefined ? option : option.default(defaultTopN);
  },
  index: (help: string): Option => new Option('-i, --index <path|url>', help),
  embedModel: (help: string): Option => new Option('-e, --embed-model <dir|id>', help),
  lateInteractionModel: (help: string): Option => new Option('--late-interaction-model <dir|id>', help),
  candidates: (help: string): Option => new Option('-c, --candidates <n>', help).argParser(positiveInteger).default(100),
  lexicalWeight: (): Option =>
    new Option('--lexical-weight <w>', "mix BM25 over the given documents into the model's scores at this weight; 0: the model alone (default: what the model recommends, the starter model 1, else 0)")
      .argParser(nonNegativeNumber)
      .env('CROSSRANK_LEXICAL_WEIGHT'),
  instruction: (): Option =>
    new Option('--instruction <text>', "an LLM reranker's instruction, the task it reads before the query (default: its model card's)").env('CROSSRANK_INSTRUCTION'),
  promptFormat: (): Option =>
    new Option('--prompt-format <name|file.json>', 'an LLM reranker\'s prompt: qwen3-reranker, mxbai-rerank-v2, bge-reranker-v2-gemma or a JSON file (default: from the model name)').env(
      'CROSSRANK_PROMPT_FORMAT',
    ),
  firstStageWeight: (help: string): Option => new Option('-w, --first-stage-weight <w>', help).argParser(nonNegativeNumber),
};

/** The flags chunkingFrom() reads: rerank, serve and eval take them alike. */
export function chunkOptions(): Option[] {
  return [OPTIONS.chunk(), OPTIONS.chunkWindow(), OPTIONS.chunkStride(), OPTIONS.maxChunks()];
}

/** The engine options that every command running a cross-encoder takes (rerank, serve), in help order. */
export function engineOptions(): Option[] {
  return [
    OPTIONS.variant(),
    OPTIONS.maxLength(),
    OPTIONS.truncation(),
    OPTIONS.threads(),
    OPTIONS.device(),
    OPTIONS.batchSize(),
    OPTIONS.batchTokens(),
    ...chunkOptions(),
    OPTIONS.instruction(),
    OPTIONS.promptFormat(),
    OPTIONS.quiet(),
  ];
}

/** The values of the flags engineOptions() declares, as commander hands them over. */
export interface EngineFlags extends ChunkFlags, LlmFlags {
  variant?: ModelVariant;
  maxLength?: number;
  truncation?: TruncationStrategy;
  threads?: number;
  device?: Device;
  batchSize?: number;
  batchTokens?: number;
  quiet?: boolean;
}

/** The engine's load options from its flags: rerank and serve read them alike. */
export function engineSettingsFrom(flags: EngineFlags): RerankerOptions {
  return {
    variant: flags.variant,
    maxLength: flags.maxLength,
    truncation: flags.truncation,
    threads: flags.threads,
    device: flags.device,
    maxBatchPairs: flags.batchSize,
    maxBatchTokens: flags.batchTokens,
    chunking: chunkingFrom(flags),
    promptFormat: promptFormatFrom(flags.promptFormat),
    instruction: flags.instruction,
    quiet: flags.quiet,
  };
}

/** --rerank-model, the name search and eval gave -m before it meant --model everywhere: still read, no longer shown. */
export const RERANK_MODEL_ALIAS = (): Option => new Option('--rerank-model <dir|id>', 'same as --model').hideHelp();

/** The chunking options of the engine from the chunk flags: on when any of them is given. */
export function chunkingFrom(flags: ChunkFlags): { window?: number; stride?: number; maxChunks?: number } | false {
  const asked = flags.chunk || flags.chunkWindow !== undefined || flags.chunkStride !== undefined || flags.maxChunks !== undefined;
  return asked ? { window: flags.chunkWindow, stride: flags.chunkStride, maxChunks: flags.maxChunks } : false;
}

/** --prompt-format: a format's name, or a .json file holding one (checked here, so a bad one fails before the model loads). */
export function promptFormatFrom(flag: string | undefined): LlmPromptFormat | undefined {
  if (flag === undefined) return undefined;
  return resolvePromptFormat(flag.endsWith('.json') ? readPromptFormatFile(flag) : flag);
}

function readPromptFormatFile(flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(flag, 'utf8');
  } catch (error) {
    throw new InputError(`--prompt-format ${flag} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`--prompt-format ${flag} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The LLM reranker flags of rerank and serve. */
export interface LlmFlags {
  instruction?: string;
  promptFormat?: string;
}

export interface ChunkFlags {
  chunk?: boolean;
  chunkWindow?: number;
  chunkStride?: number;
  maxChunks?: number;
}
