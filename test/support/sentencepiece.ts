// sentencepiece itself (Debian's python3-sentencepiece, through /usr/bin/python3): the ids the
// original tokenizer of XLM-RoBERTa and DeBERTa-v3 gives, to compare with Hugging Face's.
import { execFileSync, spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';
const ENCODE = 'import sys, json, sentencepiece as s\nm = s.SentencePieceProcessor(model_file=sys.argv[1])\nprint(json.dumps([m.encode(t) for t in json.load(sys.stdin)]))';

/** Why sentencepiece cannot run here, or undefined where it can. */
export function sentencepieceMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import sentencepiece'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `${PYTHON} cannot import sentencepiece (apt-get install python3-sentencepiece)`;
}

/** sentencepiece's ids of each text (no special tokens), in the .model's own numbering. */
export function sentencepieceIds(modelFile: string, texts: readonly string[]): number[][] {
  return JSON.parse(execFileSync(PYTHON, ['-c', ENCODE, modelFile], { input: JSON.stringify(texts), maxBuffer: 64 << 20 }).toString()) as number[][];
}
