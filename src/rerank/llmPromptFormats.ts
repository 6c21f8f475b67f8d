import { InputError } from '../errors.js';

/**
 * One piece of an LLM reranker's prompt, tokenized on its own (special tokens such as
 * `<|im_start|>` written in the text are parsed as such, no others are added), as the model's
 * reference code tokenizes it. `{instruction}`, `{query}` and `{document}` are filled in.
 */
export interface PromptSegment {
  text: string;
  /**
   * `fixed` pieces are never cut; the one `query` piece keeps at most 3/4 of the room (the rule
   * of the mxbai-rerank and FlagEmbedding code); the one `document` piece gets the rest and is cut
   * at its end, so the pieces after it (the suffix, the answer position) are always there.
   */
  role: 'fixed' | 'query' | 'document';
}

/**
 * How a decoder reranker reads a (query, document) pair and where its answer is. The score is the
 * logit of `yesToken` at the last position, less that of `noToken` where there is one; the
 * relevance is its sigmoid, which for a yes/no pair is the softmax probability of yes.
 */
export interface LlmPromptFormat {
  name: string;
  /** The pieces in order; exactly one has role `query` and one role `document`. */
  segments: PromptSegment[];
  /** How an instruction enters the prompt, as the text that replaces `{instruction}` (it holds `{instruction}` itself). */
  instructionLine: string;
  /** The instruction used when none is given; without one, `{instruction}` becomes empty. */
  defaultInstruction?: string;
  yesToken: string;
  noToken?: string;
}

const QWEN3_SYSTEM =
  'Judge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".';

/**
 * Qwen/Qwen3-Reranker-*: the model card tokenizes its prefix, `<Instruct>: …\n<Query>: …\n<Document>: …`
 * and its suffix apart. The user turn is split here before `<Document>`, where Qwen's pre-tokenizer
 * always splits (a newline run is its own piece), so the ids equal the card's.
 */
const QWEN3_RERANKER: LlmPromptFormat = {
  name: 'qwen3-reranker',
  segments: [
    { role: 'fixed', text: `<|im_start|>system\n${QWEN3_SYSTEM}<|im_end|>\n<|im_start|>user\n` },
    { role: 'query', text: '{instruction}<Query>: {query}\n' },
    { role: 'document', text: '<Document>: {document}' },
    { role: 'fixed', text: '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n' },
  ],
  instructionLine: '<Instruct>: {instruction}\n',
  defaultInstruction: 'Given a web search query, retrieve relevant passages that answer the query',
  yesToken: 'yes',
  noToken: 'no',
};

const MXBAI_TASK =
  'You are a search relevance expert who evaluates how well documents match search queries. For each query-document pair, carefully analyze the semantic relationship between them, then provide your binary relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:';

/** mixedbread-ai/mxbai-rerank-*-v2 (Qwen2): mxbai_rerank/mxbai_rerank_v2.py, the answer is `1` against `0`. */
const MXBAI_RERANK_V2: LlmPromptFormat = {
  name: 'mxbai-rerank-v2',
  segments: [
    { role: 'fixed', text: '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n' },
    { role: 'query', text: '{instruction}query: {query}' },
    { role: 'fixed', text: '\n' },
    { role: 'document', text: 'document: {document}' },
    { role: 'fixed', text: '\n' },
    { role: 'fixed', text: MXBAI_TASK },
    { role: 'fixed', text: '<|im_end|>\n<|im_start|>assistant\n' },
  ],
  instructionLine: 'instruction: {instruction}\n',
  yesToken: '1',
  noToken: '0',
};

/**
 * BAAI/bge-reranker-v2-gemma: FlagEmbedding's get_inputs: `<bos>A: {query}`, `\n`, `B: {passage}`,
 * `\n` and the prompt (its instruction); the score is the raw logit of `Yes`.
 */
const BGE_RERANKER_V2_GEMMA: LlmPromptFormat = {
  name: 'bge-reranker-v2-gemma',
  segments: [
    { role: 'fixed', text: '<bos>' },
    { role: 'query', text: 'A: {query}' },
    { role: 'fixed', text: '\n' },
    { role: 'document', text: 'B: {document}' },
    { role: 'fixed', text: '\n' },
    { role: 'fixed', text: '{instruction}' },
  ],
  instructionLine: '{instruction}',
  defaultInstruction:
    "Given a query A and a passage B, determine whether the passage contains an answer to the query by providing a prediction of either 'Yes' or 'No'.",
  yesToken: 'Yes',
};

export const LLM_PROMPT_FORMATS: Readonly<Record<string, LlmPromptFormat>> = {
  [QWEN3_RERANKER.name]: QWEN3_RERANKER,
  [MXBAI_RERANK_V2.name]: MXBAI_RERANK_V2,
  [BGE_RERANKER_V2_GEMMA.name]: BGE_RERANKER_V2_GEMMA,
};

/** Known model names (hub id or folder, any org, ONNX re-exports included) and their format. */
const KNOWN_MODELS: readonly [RegExp, LlmPromptFormat][] = [
  [/qwen3-reranker/i, QWEN3_RERANKER],
  [/mxbai-rerank-(base|large)-v2/i, MXBAI_RERANK_V2],
  [/bge-reranker-v2-gemma/i, BGE_RERANKER_V2_GEMMA],
];

/** The format of a known LLM reranker, from its hub id or folder name; undefined for any other model. */
export function knownPromptFormat(modelName: string): LlmPromptFormat | undefined {
  return KNOWN_MODELS.find(([pattern]) => pattern.test(modelName))?.[1];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A format by name (`qwen3-reranker`, `mxbai-rerank-v2`, `bge-reranker-v2-gemma`) or a user's own
 * (an object of the LlmPromptFormat shape, e.g. parsed from a JSON file), checked so that a wrong
 * one fails here with a message naming the field, not later as a bad score.
 */
export function resolvePromptFormat(format: string | unknown): LlmPromptFormat {
  if (typeof format === 'string') {
    const named = LLM_PROMPT_FORMATS[format];
    if (!named) throw new InputError(`unknown prompt format "${format}"; known: ${Object.keys(LLM_PROMPT_FORMATS).join(', ')}`);
    return named;
  }
  if (!isObject(format)) throw new InputError('prompt format: expected a name or an object');
  const { segments, instructionLine, defaultInstruction, yesToken, noToken } = format;
  if (!Array.isArray(segments) || segments.length === 0) throw new InputError('prompt format: "segments" must be a non-empty array');
  const checked: PromptSegment[] = segments.map((segment, i) => {
    if (!isObject(segment) || typeof segment.text !== 'string' || !['fixed', 'query', 'document'].includes(segment.role as string)) {
      throw new InputError(`prompt format: segments[${i}] must be {"role": "fixed"|"query"|"document", "text": string}`);
    }
    return { role: segment.role as PromptSegment['role'], text: segment.text };
  });
  for (const role of ['query', 'document'] as const) {
    const count = checked.filter((s) => s.role === role).length;
    if (count !== 1) throw new InputError(`prompt format: "segments" must have exactly one "${role}" piece (found ${count})`);
  }
  if (!checked.some((s) => s.role === 'query' && s.text.includes('{query}'))) throw new InputError('prompt format: the "query" piece must hold {query}');
  if (!checked.some((s) => s.role === 'document' && s.text.includes('{document}'))) throw new InputError('prompt format: the "document" piece must hold {document}');
  if (typeof yesToken !== 'string' || yesToken === '') throw new InputError('prompt format: "yesToken" must be a non-empty string');
  if (noToken !== undefined && (typeof noToken !== 'string' || noToken === '')) throw new InputError('prompt format: "noToken" must be a non-empty string when given');
  if (instructionLine !== undefined && (typeof instructionLine !== 'string' || !instructionLine.includes('{instruction}'))) {
    throw new InputError('prompt format: "instructionLine" must hold {instruction}');
  }
  if (defaultInstruction !== undefined && typeof defaultInstruction !== 'string') throw new InputError('prompt format: "defaultInstruction" must be a string');
  return {
    name: typeof format.name === 'string' ? format.name : 'custom',
    segments: checked,
    instructionLine: (instructionLine as string | undefined) ?? '{instruction}',
    defaultInstruction: defaultInstruction as string | undefined,
    yesToken,
    noToken: noToken as string | undefined,
  };
}

/**
 * The text of one piece with its fields filled in. Replacement is one pass over the template, so
 * a query or document that itself contains `{document}` is never expanded again.
 */
export function fillSegment(text: string, fields: { instruction: string; query: string; document: string }): string {
  return text.replace(/\{(instruction|query|document)\}/g, (_, field: keyof typeof fields) => fields[field]);
}

/** The text that replaces `{instruction}`: the format's line around the given or default instruction, or nothing. */
export function instructionText(format: LlmPromptFormat, instruction: string | undefined): string {
  const chosen = instruction ?? format.defaultInstruction;
  if (chosen === undefined || chosen === '') return '';
  return format.instructionLine.split('{instruction}').join(chosen);
}
