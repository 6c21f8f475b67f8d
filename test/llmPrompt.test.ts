// LLM reranker prompts: the token ids of each model card's exact strings, checked against the Rust
// `tokenizers` binding on a Qwen-layout tokenizer, and truncation that cuts only the document.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import tokenizers from 'tokenizers';
import { buildGemmaBpe } from '../scripts/model-gen/gemmaBpe.js';
import { buildQwenBpe } from '../scripts/model-gen/qwenBpe.js';
import { InputError } from '../src/errors.js';
import { answerTokens, LlmPromptBuilder } from '../src/rerank/llmPrompt.js';
import { fillSegment, knownPromptFormat, LLM_PROMPT_FORMATS, resolvePromptFormat } from '../src/rerank/llmPromptFormats.js';
import { PairEncoder } from '../src/tokenize/pairEncoder.js';
import { sampleTexts } from './support/sampleTexts.js';

const files = buildQwenBpe();
const encoder = PairEncoder.fromJson(files.tokenizer, files.tokenizerConfig);
const dir = mkdtempSync(join(tmpdir(), 'crossrank-qwen-bpe-'));
writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizer));
const rust = tokenizers.Tokenizer.fromFile(join(dir, 'tokenizer.json'));

/** `tokenizer(text, add_special_tokens=False)["input_ids"]`, truncated at the right to `maxLength` where given. */
async function rustIds(text: string, maxLength?: number): Promise<number[]> {
  const ids = (await rust.encode(text, undefined, { addSpecialTokens: false })).getIds();
  return maxLength === undefined ? ids : ids.slice(0, maxLength);
}

// The strings of the Qwen3-Reranker model card, verbatim.
const CARD_PREFIX =
  '<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n';
const CARD_SUFFIX = '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n';
const CARD_TASK = 'Given a web search query, retrieve relevant passages that answer the query';
const cardInstruction = (instruction: string, query: string, doc: string) => `<Instruct>: ${instruction}\n<Query>: ${query}\n<Document>: ${doc}`;

/** The model card's input ids: prefix + user turn truncated to max_length − prefix − suffix + suffix. */
async function qwen3CardIds(query: string, doc: string, maxLength: number, instruction = CARD_TASK): Promise<number[]> {
  const prefix = await rustIds(CARD_PREFIX);
  const suffix = await rustIds(CARD_SUFFIX);
  return [...prefix, ...(await rustIds(cardInstruction(instruction, query, doc), maxLength - prefix.length - suffix.length)), ...suffix];
}

const QUERIES = ['What is the capital of China?', 'Explain gravity', "what's 12 + 30?\n", '  spaced   query  ', 'Café 北京 🚀'];

test('Qwen3-Reranker prompts equal the model card ids (Rust tokenizers) for every sample text', async () => {
  const format = LLM_PROMPT_FORMATS['qwen3-reranker'];
  const builder = new LlmPromptBuilder(encoder, format, 100_000);
  const docs = sampleTexts();
  for (const query of QUERIES) {
    const prompts = builder.build(query, docs);
    for (const [i, doc] of docs.entries()) {
      const ours = [...prompts[i].sharedIds, ...prompts[i].ownIds];
      assert.deepEqual(ours, await qwen3CardIds(query, doc, 100_000), `query ${JSON.stringify(query)}, document ${i}`);
      assert.equal(prompts[i].truncated, false);
    }
  }
});

test('Qwen3-Reranker: a given instruction replaces the default one, id for id', async () => {
  const builder = new LlmPromptBuilder(encoder, LLM_PROMPT_FORMATS['qwen3-reranker'], 100_000);
  const instruction = 'Given a question, retrieve passages that answer it';
  const [prompt] = builder.build('Explain gravity', ['Gravity is a force.'], instruction);
  assert.deepEqual([...prompt.sharedIds, ...prompt.ownIds], await qwen3CardIds('Explain gravity', 'Gravity is a force.', 100_000, instruction));
});

test('truncation cuts only the document: the suffix and answer position stay, ids equal the card truncation', async () => {
  const builder = new LlmPromptBuilder(encoder, LLM_PROMPT_FORMATS['qwen3-reranker'], 240);
  const long = sampleTexts().slice(1, 12).join(' ');
  const suffix = await rustIds(CARD_SUFFIX);
  const [cut, short] = builder.build('Explain gravity', [long, 'short']);
  const ids = [...cut.sharedIds, ...cut.ownIds];
  assert.equal(ids.length, 240);
  assert.equal(cut.truncated, true);
  assert.deepEqual(ids.slice(-suffix.length), suffix);
  assert.deepEqual(ids, await qwen3CardIds('Explain gravity', long, 240));
  assert.equal(short.truncated, false);
  assert.deepEqual(short.sharedIds, cut.sharedIds, 'the shared part does not depend on the document');
});

test('a query longer than 3/4 of the room is cut to it and the document keeps the rest', () => {
  const builder = new LlmPromptBuilder(encoder, LLM_PROMPT_FORMATS['qwen3-reranker'], 200);
  const query = sampleTexts().slice(1, 8).join(' ');
  const [prompt] = builder.build(query, [sampleTexts().slice(8, 12).join(' ')]);
  assert.equal(prompt.sharedIds.length + prompt.ownIds.length, 200);
  assert.ok(prompt.ownIds.length > 14 + 5, 'the document keeps at least a quarter of the room');
});

test('mxbai-rerank-v2 prompts equal mxbai_rerank_v2.py ids, with and without an instruction', async () => {
  const builder = new LlmPromptBuilder(encoder, LLM_PROMPT_FORMATS['mxbai-rerank-v2'], 100_000);
  const prefix = await rustIds('<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n');
  const task = await rustIds(
    'You are a search relevance expert who evaluates how well documents match search queries. For each query-document pair, carefully analyze the semantic relationship between them, then provide your binary relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:',
  );
  const suffix = await rustIds('<|im_end|>\n<|im_start|>assistant\n');
  const sep = await rustIds('\n');
  for (const instruction of [undefined, 'Find code']) {
    for (const doc of sampleTexts().slice(0, 6)) {
      const queryPrompt = (instruction ? `instruction: ${instruction}\n` : '') + 'query: Explain gravity';
      const expected = [...prefix, ...(await rustIds(queryPrompt)), ...sep, ...(await rustIds(`document: ${doc}`)), ...sep, ...task, ...suffix];
      const [prompt] = builder.build('Explain gravity', [doc], instruction);
      assert.deepEqual([...prompt.sharedIds, ...prompt.ownIds], expected);
    }
  }
  assert.deepEqual(answerTokens(encoder, LLM_PROMPT_FORMATS['mxbai-rerank-v2']), { yesId: (await rustIds('1'))[0], noId: (await rustIds('0'))[0] });
});

test('bge-reranker-v2-gemma pieces are FlagEmbedding get_inputs strings', () => {
  const format = LLM_PROMPT_FORMATS['bge-reranker-v2-gemma'];
  const fields = { instruction: format.defaultInstruction as string, query: 'q', document: 'p' };
  assert.equal(
    format.segments.map((s) => fillSegment(s.text, fields)).join(''),
    "<bos>A: q\nB: p\nGiven a query A and a passage B, determine whether the passage contains an answer to the query by providing a prediction of either 'Yes' or 'No'.",
  );
  assert.equal(format.yesToken, 'Yes');
  assert.equal(format.noToken, undefined);
});

test('answer tokens of Qwen3-Reranker are the ids of "yes" and "no"', async () => {
  assert.deepEqual(answerTokens(encoder, LLM_PROMPT_FORMATS['qwen3-reranker']), { yesId: (await rustIds('yes'))[0], noId: (await rustIds('no'))[0] });
});

test('known model ids map to their formats; others to none', () => {
  assert.equal(knownPromptFormat('Qwen/Qwen3-Reranker-0.6B')?.name, 'qwen3-reranker');
  assert.equal(knownPromptFormat('onnx-community/Qwen3-Reranker-0.6B-ONNX')?.name, 'qwen3-reranker');
  assert.equal(knownPromptFormat('/models/mxbai-rerank-large-v2')?.name, 'mxbai-rerank-v2');
  assert.equal(knownPromptFormat('BAAI/bge-reranker-v2-gemma')?.name, 'bge-reranker-v2-gemma');
  assert.equal(knownPromptFormat('BAAI/bge-reranker-v2-m3'), undefined);
  assert.equal(knownPromptFormat('mixedbread-ai/mxbai-rerank-base-v1'), undefined);
});

test('a user format is checked field by field', () => {
  const own = resolvePromptFormat({
    name: 'mine',
    segments: [
      { role: 'query', text: 'Q: {query}\n' },
      { role: 'document', text: 'D: {document}' },
      { role: 'fixed', text: '\nRelevant:' },
    ],
    yesToken: 'yes',
  });
  assert.equal(own.name, 'mine');
  const [prompt] = new LlmPromptBuilder(encoder, own, 1000).build('a {document} b', ['doc']);
  assert.equal(encoder.encodeText('Q: a {document} b\n').ids.join(), prompt.sharedIds.join(), 'a field inside the query is not expanded');
  assert.throws(() => resolvePromptFormat('nope'), (e: unknown) => e instanceof InputError && /unknown prompt format "nope"/.test(e.message));
  assert.throws(() => resolvePromptFormat({ segments: [{ role: 'document', text: '{document}' }], yesToken: 'y' }), /exactly one "query"/);
  assert.throws(() => resolvePromptFormat({ segments: [{ role: 'query', text: '{query}' }, { role: 'document', text: '{document}' }] }), /"yesToken"/);
  assert.throws(() => resolvePromptFormat({ segments: [{ role: 'x', text: '' }], yesToken: 'y' }), /segments\[0\]/);
  assert.throws(() => answerTokens(encoder, { ...own, yesToken: 'antidisestablishmentarianism' }), /must be one token/);
});

test('a maxLength the fixed text does not fit in is refused with a message', () => {
  const builder = new LlmPromptBuilder(encoder, LLM_PROMPT_FORMATS['qwen3-reranker'], 40);
  assert.throws(() => builder.build('q', ['d']), /fixed text takes \d+ of the 40 tokens/);
});

test('bge-reranker-v2-gemma prompts equal FlagEmbedding get_inputs ids (Rust tokenizers) on a Gemma-layout tokenizer, for every sample text', async () => {
  const gemma = buildGemmaBpe();
  const gemmaDir = mkdtempSync(join(tmpdir(), 'crossrank-gemma-bpe-'));
  writeFileSync(join(gemmaDir, 'tokenizer.json'), JSON.stringify(gemma.tokenizer));
  const oracle = tokenizers.Tokenizer.fromFile(join(gemmaDir, 'tokenizer.json'));
  const ids = async (text: string) => (await oracle.encode(text, undefined, { addSpecialTokens: false })).getIds();
  const gemmaEncoder = PairEncoder.fromJson(gemma.tokenizer, gemma.tokenizerConfig);
  const format = LLM_PROMPT_FORMATS['bge-reranker-v2-gemma'];
  const builder = new LlmPromptBuilder(gemmaEncoder, format, 100_000);
  // FlagEmbedding's LLM reranker: [bos] + ids("A: {query}") + ids("\n") + ids("B: {passage}") + ids("\n") + ids(prompt).
  const bos = oracle.tokenToId('<bos>') as number;
  const sep = await ids('\n');
  const prompt = await ids("Given a query A and a passage B, determine whether the passage contains an answer to the query by providing a prediction of either 'Yes' or 'No'.");
  assert.ok(sep.length === 1 && (await ids('Café 北京 🚀')).some((id) => id >= 7 && id < 7 + 256), 'newline is one piece; other characters fall back to bytes');
  for (const query of QUERIES) {
    const prompts = builder.build(query, sampleTexts());
    for (const [i, doc] of sampleTexts().entries()) {
      const expected = [bos, ...(await ids(`A: ${query}`)), ...sep, ...(await ids(`B: ${doc}`)), ...sep, ...prompt];
      assert.deepEqual([...prompts[i].sharedIds, ...prompts[i].ownIds], expected, `query ${JSON.stringify(query)}, document ${i}`);
    }
  }
  // FlagEmbedding: yes_loc = tokenizer('Yes', add_special_tokens=False)['input_ids'][0]; one token, no "▁" before it.
  const yes = await ids('Yes');
  assert.equal(yes.length, 1);
  assert.deepEqual(answerTokens(gemmaEncoder, format), { yesId: yes[0], noId: undefined });
});
