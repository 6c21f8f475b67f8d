// What the LLM reranker tests share: the answer ids as the Rust tokenizers binding gives them (not
// as the code under test does), the float64 reference's P(yes) of each prompt, and a closeness check.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import tokenizers from 'tokenizers';
import { TINY_QWEN3 } from '../../scripts/model-gen/qwen3Model.js';
import type { Qwen3Weights } from '../../scripts/model-gen/qwen3Weights.js';
import { LlmReranker } from '../../src/rerank/llmReranker.js';
import { qwen3YesProbability } from '../reference/qwen3Reference.js';

/** The ids of "yes" and "no" in a model folder's tokenizer.json, by the Rust binding. */
export async function yesNoIds(dir: string): Promise<[number, number]> {
  const rust = tokenizers.Tokenizer.fromFile(join(dir, 'tokenizer.json'));
  const [yes, no] = await Promise.all(['yes', 'no'].map(async (word) => (await rust.encode(word, undefined, { addSpecialTokens: false })).getIds()[0]));
  return [yes, no];
}

const references = new WeakMap<Qwen3Weights, Map<string, number>>();

/** P(yes) of each of the reranker's prompts by the float64 reference, one unpadded sequence at a time (each prompt computed once per process). */
export function referenceScores(
  weights: Qwen3Weights,
  answer: [number, number],
  reranker: LlmReranker,
  query: string,
  documents: string[],
  instruction?: string,
): number[] {
  let known = references.get(weights);
  if (!known) references.set(weights, (known = new Map()));
  const cache = known;
  return reranker.buildPrompts(query, documents, { instruction }).map((p) => {
    const ids = [...p.sharedIds, ...p.ownIds];
    const key = `${answer.join()}:${ids.join()}`;
    if (!cache.has(key)) cache.set(key, qwen3YesProbability(weights, TINY_QWEN3, ids, answer[0], answer[1]));
    return cache.get(key) as number;
  });
}

/** The model with and without prefix sharing, four prompts per pass at most (so that batches mix lengths), one thread. */
export async function withAndWithoutPrefix(dir: string): Promise<{ shared: LlmReranker; unshared: LlmReranker }> {
  const shared = await LlmReranker.load(dir, { threads: 1, maxBatchPairs: 4 });
  const unshared = await LlmReranker.load(dir, { threads: 1, maxBatchPairs: 4, sharePrefix: false });
  return { shared, unshared };
}

export function assertClose(actual: number[], expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) <= tolerance, `${what}[${i}]: ${value} vs ${expected[i]}`));
}
