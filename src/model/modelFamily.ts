import { ModelFormatError } from '../errors.js';
import { isDecoderConfig } from './decoderConfig.js';

/**
 * The tokenizer.json `model.type`s crossrank encodes exactly. A family is not tied to one: the
 * hub has RoBERTa-architecture models with WordPiece vocabularies and ModernBERTs with Unigram ones.
 */
const TOKENIZER_MODELS: readonly string[] = ['WordPiece', 'BPE', 'Unigram'];

interface FamilyRule {
  /** config.json `architectures` class-name prefix, for configs without a model_type. */
  architecture: string;
}

/**
 * The encoder families crossrank runs, by config.json `model_type`: their inputs are some of
 * input_ids, attention_mask and token_type_ids (fed where the graph declares them), and their
 * tokenizers are ones crossrank encodes exactly (see docs/models.md for what is verified of each).
 */
const FAMILIES: Record<string, FamilyRule> = {
  bert: { architecture: 'Bert' },
  distilbert: { architecture: 'DistilBert' },
  electra: { architecture: 'Electra' },
  mpnet: { architecture: 'MPNet' },
  roberta: { architecture: 'Roberta' },
  'xlm-roberta': { architecture: 'XLMRoberta' },
  camembert: { architecture: 'Camembert' },
  'deberta-v2': { architecture: 'DebertaV2' },
  modernbert: { architecture: 'ModernBert' },
};

export const SUPPORTED_MODEL_TYPES: readonly string[] = Object.keys(FAMILIES);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The model_type named by the first known `architectures` entry (older configs lack model_type). */
function modelTypeFromArchitectures(architectures: unknown): string | undefined {
  if (!Array.isArray(architectures)) return undefined;
  for (const name of architectures) {
    if (typeof name !== 'string') continue;
    // Longest prefix first: XLMRoberta before Roberta, DistilBert before Bert.
    const match = Object.entries(FAMILIES)
      .filter(([, rule]) => name.startsWith(rule.architecture))
      .sort((a, b) => b[1].architecture.length - a[1].architecture.length)[0];
    if (match) return match[0];
  }
  return undefined;
}

/**
 * The model family (config.json `model_type`, or what `architectures` names), and a check that
 * tokenizer.json has a tokenizer model crossrank encodes. Anything else is a one-line
 * ModelFormatError that names what is supported.
 */
export function detectModelFamily(config: Record<string, unknown>, tokenizerJson: Record<string, unknown>, configPath: string): string {
  const declared = typeof config.model_type === 'string' ? config.model_type : undefined;
  const architectures = Array.isArray(config.architectures) ? config.architectures.filter((a) => typeof a === 'string').join(', ') : '';
  const modelType = declared ?? modelTypeFromArchitectures(config.architectures);
  const supported = `crossrank runs encoder rerankers of model_type ${SUPPORTED_MODEL_TYPES.join(', ')}`;
  if (modelType === undefined) throw new ModelFormatError(`${configPath}: no model_type and no known architectures; ${supported}`);
  const rule = FAMILIES[modelType];
  if (!rule && isDecoderConfig(config)) {
    throw new ModelFormatError(`${configPath}: model_type ${modelType} is a causal LM: crossrank scores it as an LLM reranker (rerank, serve, LlmReranker), not as a cross-encoder or an embedding model`);
  }
  if (!rule) {
    throw new ModelFormatError(`${configPath}: model_type ${modelType}${architectures ? ` (${architectures})` : ''} is not supported; ${supported}`);
  }
  const tokenizerModel = isObject(tokenizerJson.model) ? tokenizerJson.model.type : undefined;
  if (typeof tokenizerModel !== 'string' || !TOKENIZER_MODELS.includes(tokenizerModel)) {
    throw new ModelFormatError(`tokenizer.json: model type ${String(tokenizerModel)} is not supported; crossrank encodes ${TOKENIZER_MODELS.join(', ')} tokenizers`);
  }
  return modelType;
}
