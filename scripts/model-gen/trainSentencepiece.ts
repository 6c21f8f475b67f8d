/**
 * Regenerates the committed sentencepiece fixtures (test/fixtures/sentencepiece/*.model) with
 * Debian's `spm_train` (package `sentencepiece`): two real Unigram models with the nmt_nfkc
 * normalization rule, so the real nmt_nfkc `precompiled_charsmap` is in them.
 *
 * - xlmr.model: the special ids of XLM-RoBERTa's sentencepiece.bpe.model (<unk>=0, <s>=1, </s>=2);
 * - debertav3.model: those of DeBERTa-v3's spm.model ([PAD]=0, [CLS]=1, [SEP]=2, [UNK]=3).
 *
 * Run: npx tsx scripts/model-gen/trainSentencepiece.ts. The tests read the committed files, so
 * they need no spm_train; they convert them to tokenizer.json with sentencepieceTokenizers.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SENTENCEPIECE_FIXTURES = fileURLToPath(new URL('../../test/fixtures/sentencepiece/', import.meta.url));
const ASSETS = fileURLToPath(new URL('../../assets/', import.meta.url));

/** Short multilingual lines so the vocabulary has pieces for many scripts (not only English). */
const MULTILINGUAL = [
  'Café naïve résumé façade œuvre Ångström élève château forêt', 'Größe Straße Übung Ärger Öl München Zürich',
  'Tiếng Việt là ngôn ngữ chính thức của Việt Nam. Hà Nội là thủ đô.', 'Người dân sống ở thành phố Hồ Chí Minh rất đông.',
  '서울은 대한민국의 수도입니다. 한국어는 아름다운 언어입니다.', '東京は日本の首都です。カタカナとひらがなを使います。',
  'ﾊﾝｶｸ ｶﾀｶﾅ ﾃﾞｽ ﾊﾞｽ', '北京是中国的首都。上海是一个大城市。', '我们今天去图书馆看书。',
  'हिन्दी भारत की राजभाषा है। नमस्ते दुनिया, क्षत्रिय और ज्ञान।', 'مرحبا بالعالم. اللغة العربية جميلة.', 'שלום עולם, עברית היא שפה',
  'Москва — столица России. Привет, мир!', 'Αθήνα είναι η πρωτεύουσα της Ελλάδας.', 'ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３ ﬁ ligature ①②③ ㎏ ㍻',
  'emoji 🚀🔥👍 and 👩‍👩‍👧 family 🇩🇪🇫🇷 flags', 'numbers 3.14159 1,000,000 2026-11-30 42% $100 €5',
];

function corpusLines(): string[] {
  const bench = JSON.parse(readFileSync(join(ASSETS, 'bench/varied-50.json'), 'utf8')) as { query: string; docs: string[] };
  const beir = readFileSync(join(ASSETS, 'examples/beir-mini/corpus.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => String((JSON.parse(line) as { text?: string }).text ?? ''));
  // The multilingual lines are repeated so their pieces compete with the English ones.
  return [bench.query, ...bench.docs, ...beir, ...Array.from({ length: 20 }, () => MULTILINGUAL).flat()];
}

const LAYOUTS = {
  xlmr: ['--unk_id=0', '--bos_id=1', '--eos_id=2', '--pad_id=-1'],
  debertav3: ['--pad_id=0', '--pad_piece=[PAD]', '--bos_id=1', '--bos_piece=[CLS]', '--eos_id=2', '--eos_piece=[SEP]', '--unk_id=3', '--unk_piece=[UNK]'],
} as const;

export type SentencepieceLayout = keyof typeof LAYOUTS;

function train(): void {
  const work = mkdtempSync(join(tmpdir(), 'crossrank-spm-'));
  try {
    const corpus = join(work, 'corpus.txt');
    writeFileSync(corpus, `${corpusLines().join('\n')}\n`);
    for (const [name, ids] of Object.entries(LAYOUTS)) {
      const prefix = join(work, name);
      execFileSync(
        'spm_train',
        [
          `--input=${corpus}`, `--model_prefix=${prefix}`, '--model_type=unigram', '--vocab_size=3000', '--hard_vocab_limit=false',
          '--character_coverage=0.9995', '--normalization_rule_name=nmt_nfkc', '--num_threads=1', '--seed_sentencepiece_size=100000', ...ids,
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      renameSync(`${prefix}.model`, join(SENTENCEPIECE_FIXTURES, `${name}.model`));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) train();
