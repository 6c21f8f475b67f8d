/**
 * Writes the tokenizer files of a test model in the Hugging Face layout.
 *
 * 'bert-base-uncased' copies the vendored real files (assets/vocab/bert-base-uncased);
 * 'roberta-bpe' writes the byte-level BPE tokenizer built by robertaBpe.ts.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRobertaBpe } from './robertaBpe.js';
import type { TokenizerKind } from './testModels.js';

export const BERT_TOKENIZER_DIR = fileURLToPath(new URL('../../assets/vocab/bert-base-uncased/', import.meta.url));

const BERT_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'] as const;

/** Stable, readable JSON: fixed key order comes from the builders, so bytes are reproducible. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Writes the tokenizer files into `dir` and returns the file names written. */
export async function writeTokenizerFiles(dir: string, kind: TokenizerKind): Promise<string[]> {
  if (kind === 'bert-base-uncased') {
    for (const file of BERT_FILES) await copyFile(join(BERT_TOKENIZER_DIR, file), join(dir, file));
    return [...BERT_FILES];
  }

  const files = buildRobertaBpe();
  const contents: [string, string][] = [
    ['tokenizer.json', toJsonText(files.tokenizer)],
    ['tokenizer_config.json', toJsonText(files.tokenizerConfig)],
    ['special_tokens_map.json', toJsonText(files.specialTokensMap)],
    ['vocab.json', toJsonText(files.vocab)],
    ['merges.txt', files.mergesTxt],
  ];
  for (const [name, text] of contents) await writeFile(join(dir, name), text);
  return contents.map(([name]) => name);
}
