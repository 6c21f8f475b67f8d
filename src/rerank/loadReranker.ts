import { resolveModelDir, type HubOptions } from '../hub/index.js';
import { isDecoderConfig, locateTokenizerFiles, readJsonObject } from '../model/index.js';
import { CrossEncoder, type CrossEncoderOptions } from './crossEncoder.js';
import { LlmReranker, type LlmRerankerOptions } from './llmReranker.js';

/** What kind of reranker a model is, from its config.json: a cross-encoder, or a causal LM scored by its yes/no answer. */
export type RerankerKind = 'cross-encoder' | 'llm';

/** Options of either kind; each reads its own (an LLM reranker ignores truncation, activation and chunking). */
export type AnyRerankerOptions = CrossEncoderOptions & Pick<LlmRerankerOptions, 'promptFormat' | 'instruction' | 'sharePrefix'>;

export async function rerankerKind(nameOrDir: string, options: HubOptions = {}): Promise<RerankerKind> {
  const modelDir = await resolveModelDir(nameOrDir, { ...options, tokenizerOnly: true });
  return isDecoderConfig(readJsonObject(locateTokenizerFiles(modelDir).config)) ? 'llm' : 'cross-encoder';
}

/** Loads a model as the reranker its config.json says it is. */
export async function loadReranker(nameOrDir: string, options: AnyRerankerOptions = {}): Promise<CrossEncoder | LlmReranker> {
  if ((await rerankerKind(nameOrDir, options)) === 'llm') return LlmReranker.load(nameOrDir, options);
  return CrossEncoder.load(nameOrDir, options);
}
