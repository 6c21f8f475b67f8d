/**
 * Writes the tokenizer files of a test model in the Hugging Face layout.
 *
 * 'bert-base-uncased' copies the vendored real files (assets/vocab/bert-base-uncased);
 * 'roberta-bpe' writes the byte-level BPE tokenizer built by robertaBpe.ts, 'modernbert-bpe' the one of
 * modernbertBpe.ts; 'xlmr-spm' and 'debertav3-spm' convert the committed spm_train models
 * (sentencepieceTokenizers.ts).
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModernbertBpe } from './modernbertBpe.js';
import { buildRobertaBpe } from './robertaBpe.js';
import { writeSentencepieceTokenizer } from './sentencepieceTokenizers.js';
import type { TokenizerKind } from './testModels.js';

export const BERT_TOKENIZER_DIR = fileURLToPath(new URL('../../assets/vocab/bert-base-uncased/', import.meta.url));

const BERT_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'] as const;

/** Stable, readable JSON: fixed key order comes from the builders, so bytes are reproducible. */
export function toJsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

async function writeTexts(dir: string, contents: [string, string][]): Promise<string[]> {
  for (const [name, text] of contents) await writeFile(join(dir, name), text);
  return contents.map(([name]) => name);
}

/** Writes the tokenizer files into `dir` and returns the file names written. */
export async function writeTokenizerFiles(dir: string, kind: TokenizerKind): Promise<string[]> {
  switch (kind) {
    case 'bert-base-uncased':
      for (const file of BERT_FILES) await copyFile(join(BERT_TOKENIZER_DIR, file), join(dir, file));
      return [...BERT_FILES];
    case 'xlmr-spm':
      return writeSentencepieceTokenizer(dir, 'xlmr');
    case 'debertav3-spm':
      return writeSentencepieceTokenizer(dir, 'debertav3');
    case 'modernbert-bpe': {
      const files = buildModernbertBpe();
      return writeTexts(dir, [
        ['tokenizer.json', toJsonText(files.tokenizer)],
        ['tokenizer_config.json', toJsonText(files.tokenizerConfig)],
        ['special_tokens_map.json', toJsonText(files.specialTokensMap)],
      ]);
    }
    case 'roberta-bpe': {
      const files = buildRobertaBpe();
      return writeTexts(dir, [
        ['tokenizer.json', toJsonText(files.tokenizer)],
        ['tokenizer_config.json', toJsonText(files.tokenizerConfig)],
        ['special_tokens_map.json', toJsonText(files.specialTokensMap)],
        ['vocab.json', toJsonText(files.vocab)],
        ['merges.txt', files.mergesTxt],
      ]);
    }
  }
}

/** Token ids a tokenizer.json can produce: its vocabulary size, added tokens included. */
export function tokenizerVocabSize(tokenizer: { model?: { vocab?: unknown }; added_tokens?: { id: number }[] }): number {
  const vocab = tokenizer.model?.vocab;
  const modelSize = Array.isArray(vocab) ? vocab.length : vocab && typeof vocab === 'object' ? Object.keys(vocab).length : 0;
  return Math.max(modelSize, ...(tokenizer.added_tokens ?? []).map((t) => t.id + 1));
}
