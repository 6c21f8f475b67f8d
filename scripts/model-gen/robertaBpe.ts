/**
 * A small byte-level BPE tokenizer in the layout of roberta-base, built deterministically
 * in code: `<s>`=0, `<pad>`=1, `</s>`=2, `<unk>`=3, the 256 ByteLevel alphabet characters,
 * merge results learned from a built-in English word list, and `<mask>` last.
 *
 * The merges come from running the BPE training loop (repeatedly merge the most frequent
 * adjacent pair, ties broken by code-unit order) over that word list, so common English
 * words and their "Ġ" (space-prefixed) forms become single tokens, while anything else
 * (digits, accents, emoji) falls back to smaller pieces down to single bytes.
 */

import { addedToken, byteLevelBpeModel, vocabularyBuilder } from './tokenizerJsonParts.js';

export const ROBERTA_SPECIAL_TOKENS = ['<s>', '<pad>', '</s>', '<unk>'] as const;
export const ROBERTA_MASK_TOKEN = '<mask>';

/** Total vocabulary size, `<mask>` included; the training loop stops when it is reached. */
export const ROBERTA_BPE_VOCAB_SIZE = 1024;

export const ROBERTA_MODEL_MAX_LENGTH = 512;

/** Frequent English words plus a few retrieval-flavoured ones, in no particular order. */
const WORDS = `
the of and to in is that for it as was with be by on not he this are or his from at which but have an had they you were
there one all we can her has been if more when will would who so no she other its may these about into than them only
some time could new people two first any my now such like our over man me even most made after also did many before
must through back years where much your way well down should because each just those how too little state good very make
world still own see men work long get here between both life being under never day same another know while last might us
great old year off come since against go came right used take three states himself few house use during without again
place around however home small found thought went say part once general high upon school every does got united left
number course war until always away something fact though water less public put think almost hand enough far took head
yet government system better set told nothing night end why called didn find look going asked later knew point next
city business give group toward young days let room president side social given present several order national second
possible rather per face among form important often things looked early white case john become large big need four within
felt children along saw best church ever least power development thing light seemed family interest want members mind
country area others done turned although open problem sense service certain kind began thus help means table law question
whole far question name answer search query document rank score model language model data file files image images format
formats convert tool tools server library package program code python using based support provides contains version
text read write list line lines run running build web user users system systems network memory time function value values
berlin paris london france germany capital live lives many weather today river mountain music book books food health
computer science history city country number numbers small large fast quick brown fox jumps lazy dog hello world please
`;

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards. */
export function byteLevelAlphabet(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const chars = printable.map((b) => String.fromCharCode(b));
  let next = 256;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) chars.push(String.fromCharCode(next++));
  }
  return chars; // ordered like the first 256 ids of GPT-2's vocabulary
}

interface WeightedWord {
  symbols: string[];
  weight: number;
}

function trainingWords(): WeightedWord[] {
  const unique = [...new Set(WORDS.split(/\s+/).filter((w) => w.length > 0))];
  const words: WeightedWord[] = [];
  for (const w of unique) {
    const capitalized = w[0].toUpperCase() + w.slice(1);
    // Mid-sentence words (space-prefixed) dominate real text; the weights reflect that.
    words.push({ symbols: [...`Ġ${w}`], weight: 4 });
    words.push({ symbols: [...w], weight: 1 });
    words.push({ symbols: [...`Ġ${capitalized}`], weight: 1 });
  }
  return words;
}

function pairKey(a: string, b: string): string {
  return `${a} ${b}`; // symbols never contain a space: ByteLevel maps it to Ġ
}

/** Runs BPE training until `vocabTarget` base+merged tokens exist; returns the merges in rank order. */
export function learnMerges(initialVocab: Set<string>, vocabTarget: number): [string, string][] {
  const words = trainingWords();
  const vocab = new Set(initialVocab);
  const merges: [string, string][] = [];

  while (vocab.size < vocabTarget) {
    const counts = new Map<string, { a: string; b: string; count: number }>();
    for (const word of words) {
      for (let i = 0; i + 1 < word.symbols.length; i++) {
        const a = word.symbols[i];
        const b = word.symbols[i + 1];
        const key = pairKey(a, b);
        const entry = counts.get(key);
        if (entry) entry.count += word.weight;
        else counts.set(key, { a, b, count: word.weight });
      }
    }
    let best: { a: string; b: string; count: number } | null = null;
    for (const entry of counts.values()) {
      if (
        best === null ||
        entry.count > best.count ||
        (entry.count === best.count && pairKey(entry.a, entry.b) < pairKey(best.a, best.b))
      ) {
        best = entry;
      }
    }
    if (best === null) throw new Error(`robertaBpe: word list exhausted at vocabulary size ${vocab.size}`);

    const merged = best.a + best.b;
    merges.push([best.a, best.b]);
    vocab.add(merged);
    for (const word of words) {
      const out: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === best.a && word.symbols[i + 1] === best.b) {
          out.push(merged);
          i++;
        } else {
          out.push(word.symbols[i]);
        }
      }
      word.symbols = out;
    }
  }
  return merges;
}

export interface RobertaBpeFiles {
  /** tokenizer.json contents (Hugging Face tokenizers format). */
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  specialTokensMap: Record<string, unknown>;
  /** vocab.json and merges.txt, as the slow RobertaTokenizer reads them. */
  vocab: Record<string, number>;
  mergesTxt: string;
}

let cached: RobertaBpeFiles | null = null;

/** The tokenizer files; built once per process since training takes a few hundred ms. */
export function buildRobertaBpe(): RobertaBpeFiles {
  cached ??= build();
  return cached;
}

function build(): RobertaBpeFiles {
  const { vocab, add } = vocabularyBuilder();
  ROBERTA_SPECIAL_TOKENS.forEach(add);
  byteLevelAlphabet().forEach(add);
  const merges = learnMerges(new Set(Object.keys(vocab)), ROBERTA_BPE_VOCAB_SIZE - 1);
  for (const [a, b] of merges) add(a + b);
  add(ROBERTA_MASK_TOKEN);
  if (Object.keys(vocab).length !== ROBERTA_BPE_VOCAB_SIZE) throw new Error('robertaBpe: unexpected vocabulary size');

  const special = (content: string, lstrip = false): Record<string, unknown> => addedToken(vocab[content], content, lstrip);

  const tokenizer: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...ROBERTA_SPECIAL_TOKENS.map((t) => special(t)), special(ROBERTA_MASK_TOKEN, true)],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['</s>', vocab['</s>']],
      cls: ['<s>', vocab['<s>']],
      trim_offsets: true,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: byteLevelBpeModel(vocab, merges, { affixes: '', merges: 'strings' }),
  };

  const tokenizerConfig: Record<string, unknown> = {
    add_prefix_space: false,
    bos_token: '<s>',
    cls_token: '<s>',
    eos_token: '</s>',
    errors: 'replace',
    mask_token: '<mask>',
    model_max_length: ROBERTA_MODEL_MAX_LENGTH,
    pad_token: '<pad>',
    sep_token: '</s>',
    tokenizer_class: 'RobertaTokenizer',
    trim_offsets: true,
    unk_token: '<unk>',
    clean_up_tokenization_spaces: false,
  };

  const specialTokensMap: Record<string, unknown> = {
    bos_token: '<s>',
    cls_token: '<s>',
    eos_token: '</s>',
    mask_token: { content: '<mask>', lstrip: true, normalized: false, rstrip: false, single_word: false },
    pad_token: '<pad>',
    sep_token: '</s>',
    unk_token: '<unk>',
  };

  const mergesTxt = ['#version: 0.2', ...merges.map(([a, b]) => `${a} ${b}`)].join('\n') + '\n';
  return { tokenizer, tokenizerConfig, specialTokensMap, vocab, mergesTxt };
}
