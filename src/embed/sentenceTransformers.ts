import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFormatError } from '../errors.js';
import { readJsonObject } from '../model/index.js';
import { POOLING_MODES, type PoolingMode } from './pooling.js';

/** How sentence-transformers turns a model's token states into one vector, read from its files. */
export interface EmbeddingConfig {
  /** Pooling modes in sentence-transformers' concatenation order (cls, max, mean); one for nearly every model. */
  pooling: PoolingMode[];
  /** Where the pooling came from: a file, or the default for a directory without sentence-transformers files. */
  poolingSource: string;
  /** modules.json lists a Normalize module: vectors are L2-normalised. */
  normalize: boolean;
  /** sentence_bert_config.json max_seq_length: the tokens an input is cut to (often below the position limit). */
  maxSeqLength?: number;
  /** Width of one token state (1_Pooling word_embedding_dimension), where the files say it. */
  tokenDimension?: number;
  /** config_sentence_transformers.json prompts for queries and documents (e5 / bge style prefixes). */
  prompts: { query?: string; document?: string };
}

const TRANSFORMER = 'sentence_transformers.models.Transformer';
const POOLING = 'sentence_transformers.models.Pooling';
const NORMALIZE = 'sentence_transformers.models.Normalize';

/** sentence-transformers' Pooling flags, in the order it concatenates their outputs. */
const POOLING_FLAGS: ReadonlyArray<[string, PoolingMode | null]> = [
  ['pooling_mode_cls_token', 'cls'],
  ['pooling_mode_max_tokens', 'max'],
  ['pooling_mode_mean_tokens', 'mean'],
  ['pooling_mode_mean_sqrt_len_tokens', null],
  ['pooling_mode_weightedmean_tokens', null],
  ['pooling_mode_lasttoken', null],
];

interface ModuleEntry {
  path: string;
  type: string;
}

function readModules(dir: string): ModuleEntry[] | null {
  const path = join(dir, 'modules.json');
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileText(path));
  } catch (error) {
    throw new ModelFormatError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(value)) throw new ModelFormatError(`${path} does not hold a list of modules`);
  return value.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null || typeof (entry as ModuleEntry).type !== 'string') {
      throw new ModelFormatError(`${path}: module ${i} has no type`);
    }
    const { path: modulePath, type } = entry as ModuleEntry;
    return { path: typeof modulePath === 'string' ? modulePath : '', type };
  });
}

/** readJsonObject wants an object and modules.json holds a list, so it is read here with the same errors. */
function readFileText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelFormatError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}

function parsePooling(path: string): { modes: PoolingMode[]; tokenDimension?: number } {
  const config = readJsonObject(path);
  const modes: PoolingMode[] = [];
  for (const [flag, mode] of POOLING_FLAGS) {
    if (config[flag] !== true) continue;
    if (mode === null) throw new ModelFormatError(`${path}: ${flag} is not supported (crossrank pools by ${POOLING_MODES.join(', ')})`);
    modes.push(mode);
  }
  if (modes.length === 0) throw new ModelFormatError(`${path} enables no pooling mode`);
  if (config.include_prompt === false) {
    throw new ModelFormatError(`${path}: include_prompt false (pooling without the prompt tokens) is not supported`);
  }
  const dimension = config.word_embedding_dimension;
  return { modes, tokenDimension: typeof dimension === 'number' ? dimension : undefined };
}

/**
 * Reads the sentence-transformers files of a model directory. Without modules.json the directory
 * is a bare transformer, pooled by mean (what sentence-transformers does for one) and not normalised.
 * Modules crossrank cannot run (Dense projections and the like) are an error naming them, so a
 * model is never run half-way.
 */
export function readEmbeddingConfig(dir: string): EmbeddingConfig {
  const modules = readModules(dir);
  let pooling: PoolingMode[] = ['mean'];
  let poolingSource = 'default (no modules.json)';
  let tokenDimension: number | undefined;
  let normalize = false;
  if (modules) {
    for (const module of modules) {
      if (module.type === TRANSFORMER) continue;
      if (module.type === NORMALIZE) {
        normalize = true;
        continue;
      }
      if (module.type === POOLING) {
        const path = join(dir, module.path, 'config.json');
        ({ modes: pooling, tokenDimension } = parsePooling(path));
        poolingSource = join(module.path, 'config.json');
        continue;
      }
      throw new ModelFormatError(`${join(dir, 'modules.json')} lists ${module.type} (${module.path}), which crossrank does not run`);
    }
    if (!modules.some((module) => module.type === POOLING)) poolingSource = 'default (modules.json has no Pooling module)';
  }

  let maxSeqLength: number | undefined;
  const bertConfigPath = join(dir, 'sentence_bert_config.json');
  if (existsSync(bertConfigPath)) {
    const value = readJsonObject(bertConfigPath).max_seq_length;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) maxSeqLength = value;
  }

  const prompts: EmbeddingConfig['prompts'] = {};
  const stConfigPath = join(dir, 'config_sentence_transformers.json');
  if (existsSync(stConfigPath)) {
    const configured = readJsonObject(stConfigPath).prompts;
    if (typeof configured === 'object' && configured !== null) {
      const table = configured as Record<string, unknown>;
      if (typeof table.query === 'string') prompts.query = table.query;
      // Models name the document prompt "document" or, e5 style, "passage".
      const document = table.document ?? table.passage;
      if (typeof document === 'string') prompts.document = document;
    }
  }
  return { pooling, poolingSource, normalize, maxSeqLength, tokenDimension, prompts };
}
