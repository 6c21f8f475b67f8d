// The generated test models, checked against the independent float64 reference and the
// official tokenizers: everything else in the suite trusts these models, so they are
// verified here with raw onnxruntime-node, not through our engine.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Tokenizer as JsTokenizer } from '@huggingface/tokenizers';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import tokenizers from 'tokenizers';
import { generateWeights, type BertSpec } from '../scripts/model-gen/bertWeights.js';
import { ensureTestModel } from '../scripts/model-gen/ensureTestModel.js';
import { createRng } from '../scripts/model-gen/rng.js';
import { TEST_MODELS, type TestModelName } from '../scripts/model-gen/testModels.js';
import { FP32_MODEL_FILE, INT8_MODEL_FILE, writeModelDir } from '../scripts/model-gen/writeModelDir.js';
import { buildBertModel } from '../scripts/model-gen/bertGraph.js';
import type { LexicalMatchWeights } from '../scripts/model-gen/lexicalMatch.js';
import { referenceLogits } from './reference/bertReference.js';
import { referenceEncoderWindow, referenceLexicalScore } from './reference/lexicalReference.js';
import { erf, erfc } from './reference/erf.js';

const { onnx } = onnxProto;

const TOLERANCE = 1e-4;

interface Sequence {
  ids: number[];
  /** null for models without a token_type_ids input. */
  types: number[] | null;
}

/** BERT segment ids: 0 up to and including the first [SEP], 1 after it. */
function bertTypes(ids: number[], sepId = 102): number[] {
  const firstSep = ids.indexOf(sepId);
  return ids.map((_, i) => (i <= firstSep ? 0 : 1));
}

const BERT_SEQUENCES: number[][] = [
  // [CLS] how many people live in berlin ? [SEP] berlin has a population [SEP]
  [101, 2129, 2116, 2111, 2444, 1999, 4068, 1029, 102, 4068, 2038, 1037, 2313, 102],
  [101, 7592, 2088, 102, 1996, 4248, 2829, 4419, 102],
  [101, 1037, 102, 2000, 102],
  [101, 10463, 4871, 2090, 11630, 102, 3094, 2240, 6994, 2000, 24501, 4697, 2068, 1996, 2088, 2003, 102],
];

// <s> A </s></s> B </s> with ids inside the 1024-token BPE vocabulary, never the pad id 1.
const ROBERTA_SEQUENCES: number[][] = [
  [0, 300, 451, 612, 2, 2, 700, 801, 902, 1000, 2],
  [0, 17, 2, 2, 540, 541, 2],
  [0, 88, 99, 111, 222, 333, 444, 2, 2, 555, 666, 777, 888, 999, 1010, 12, 13, 2],
  [0, 260, 261, 262, 2, 2, 263, 2],
];

function sequencesFor(spec: BertSpec): Sequence[] {
  return spec.arch === 'bert'
    ? BERT_SEQUENCES.map((ids) => ({ ids, types: bertTypes(ids) }))
    : ROBERTA_SEQUENCES.map((ids) => ({ ids, types: null }));
}

/** Right-pads a batch like a tokenizer would (pad id, mask 0, type 0) and runs it. */
async function runBatch(session: ort.InferenceSession, spec: BertSpec, batch: Sequence[]): Promise<number[][]> {
  const width = Math.max(...batch.map((s) => s.ids.length));
  const ids = new BigInt64Array(batch.length * width).fill(BigInt(spec.padTokenId));
  const mask = new BigInt64Array(batch.length * width);
  const types = new BigInt64Array(batch.length * width);
  batch.forEach((seq, row) => {
    seq.ids.forEach((id, i) => {
      ids[row * width + i] = BigInt(id);
      mask[row * width + i] = 1n;
      types[row * width + i] = BigInt(seq.types?.[i] ?? 0);
    });
  });
  const dims = [batch.length, width];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', types, dims);

  const logits = (await session.run(feeds)).logits;
  assert.deepEqual(logits.dims, [batch.length, spec.numLabels]);
  const data = logits.data as Float32Array;
  return batch.map((_, row) => Array.from(data.subarray(row * spec.numLabels, (row + 1) * spec.numLabels)));
}

function maxAbsDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

function correlation(a: number[], b: number[]): number {
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

function opCounts(modelBytes: Uint8Array): Map<string, number> {
  const model = onnx.ModelProto.decode(modelBytes);
  const counts = new Map<string, number>();
  for (const node of model.graph?.node ?? []) counts.set(node.opType ?? '', (counts.get(node.opType ?? '') ?? 0) + 1);
  return counts;
}

const FP32_NAMES: TestModelName[] = ['tiny-bert', 'tiny-bert-2label', 'tiny-roberta'];

let cacheRoot = '';
const modelDirs = new Map<TestModelName, string>();

before(async () => {
  cacheRoot = await mkdtemp(join(tmpdir(), 'crossrank-modelgen-'));
  for (const name of FP32_NAMES) modelDirs.set(name, await ensureTestModel(name, cacheRoot));
});

after(async () => {
  if (cacheRoot !== '') await rm(cacheRoot, { recursive: true, force: true });
});

function dirOf(name: TestModelName): string {
  const dir = modelDirs.get(name);
  if (dir === undefined) throw new Error(`${name} was not generated`);
  return dir;
}

test('reference erf is accurate in float64', () => {
  // Values from standard tables (e.g. scipy.special.erf), both sides of the series/CF switch at 3.
  const cases: [number, number][] = [
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [-1.5, -0.9661051464753108],
    [2, 0.9953222650189527],
    [3, 0.9999779095030014],
    [3.5, 0.9999992569016276],
  ];
  for (const [x, expected] of cases) assert.ok(Math.abs(erf(x) - expected) < 1e-15, `erf(${x}) = ${erf(x)}`);
  assert.ok(Math.abs(erfc(5) / 1.5374597944280349e-12 - 1) < 1e-12, `erfc(5) = ${erfc(5)}`);
  assert.equal(erf(0), 0);
});

describe('generated fp32 models agree with the float64 reference', () => {
  for (const name of FP32_NAMES) {
    test(`${name}: padded batch of 4 matches referenceLogits within ${TOLERANCE}`, async () => {
      const { spec } = TEST_MODELS[name];
      const weights = generateWeights(spec);
      const session = await ort.InferenceSession.create(join(dirOf(name), FP32_MODEL_FILE));
      assert.equal(session.inputNames.includes('token_type_ids'), spec.arch === 'bert');

      const batch = sequencesFor(spec);
      const actual = await runBatch(session, spec, batch);
      batch.forEach((seq, row) => {
        const expected = referenceLogits(weights, spec, seq.ids, seq.types);
        assert.ok(
          maxAbsDiff(actual[row], expected) < TOLERANCE,
          `row ${row}: onnx ${actual[row]} vs reference ${expected}`,
        );
      });

      // The comparison means something only if the rows are genuinely different.
      for (let a = 0; a < actual.length; a++) {
        for (let b = a + 1; b < actual.length; b++) {
          assert.ok(maxAbsDiff(actual[a], actual[b]) > 0.05, `rows ${a} and ${b} are nearly equal: ${actual[a]} / ${actual[b]}`);
        }
      }
    });
  }

  test('tiny-bert: token_type_ids visibly change the score', async () => {
    const { spec } = TEST_MODELS['tiny-bert'];
    const session = await ort.InferenceSession.create(join(dirOf('tiny-bert'), FP32_MODEL_FILE));
    const withTypes = sequencesFor(spec);
    const allZero = withTypes.map((s) => ({ ids: s.ids, types: s.ids.map(() => 0) }));
    const [a, b] = [await runBatch(session, spec, withTypes), await runBatch(session, spec, allZero)];
    a.forEach((row, i) => assert.ok(maxAbsDiff(row, b[i]) > 0.05, `row ${i}: ${row} vs ${b[i]}`));
  });
});

describe('the exact-match channel (the starter model\'s lexical_match_channel)', () => {
  const { spec } = TEST_MODELS['tiny-bert'];
  const weights = generateWeights(spec);
  const rng = createRng(77);
  const lexical: LexicalMatchWeights = {
    termWeights: Float32Array.from({ length: spec.vocabSize }, () => 1 + 4 * rng.uniform()),
    k1: 1.3,
    b: 0.6,
    avgLength: 5.5,
    clsTokenId: 101,
    sepTokenId: 102,
  };
  // a fifth pair whose query repeats a term (4068, berlin) that its document holds twice, beside one (2003) it holds once
  const batch: Sequence[] = [...BERT_SEQUENCES, [101, 4068, 4068, 2003, 102, 4068, 2003, 4068, 1037, 102]].map((ids) => ({ ids, types: bertTypes(ids) }));

  test('a padded batch matches the float64 reference (classifier + channel) within 1e-4', async () => {
    const session = await ort.InferenceSession.create(buildBertModel(spec, weights, { precision: 'fp32', lexical }));
    const withChannel = await runBatch(session, spec, batch);
    const plain = await runBatch(await ort.InferenceSession.create(buildBertModel(spec, weights, { precision: 'fp32' })), spec, batch);
    batch.forEach((seq, row) => {
      const channel = referenceLexicalScore(lexical, seq.ids, seq.types!);
      const expected = referenceLogits(weights, spec, seq.ids, seq.types)[0] + channel;
      assert.ok(Math.abs(withChannel[row][0] - expected) < TOLERANCE, `row ${row}: onnx ${withChannel[row][0]} vs reference ${expected}`);
      // rows 0 and 4 share terms across the [SEP], so the channel must add something there; ONNX's difference from the plain graph must be the channel
      if ([0, 4].includes(row)) assert.ok(channel > 1, `row ${row}: channel ${channel}`);
      assert.ok(Math.abs(withChannel[row][0] - plain[row][0] - channel) < TOLERANCE, `row ${row}`);
    });
  });

  test('with an encoder window, the encoder reads the first tokens and the channel all of them', async () => {
    const window = { length: 9, sepTokenId: 102 };
    const windowed = await ort.InferenceSession.create(buildBertModel(spec, weights, { precision: 'fp32', lexical, encoderWindow: window }));
    const plain = await ort.InferenceSession.create(buildBertModel(spec, weights, { precision: 'fp32' }));
    // rows 0, 3 and 4 are longer than the window, 1 is exactly as long, 2 shorter: one padded batch
    const got = await runBatch(windowed, spec, batch);
    for (const [row, seq] of batch.entries()) {
      const seen = referenceEncoderWindow(seq.ids, seq.types!, window.length, window.sepTokenId);
      const expected = referenceLogits(weights, spec, seen.ids, seen.types)[0] + referenceLexicalScore(lexical, seq.ids, seq.types!);
      assert.ok(Math.abs(got[row][0] - expected) < TOLERANCE, `row ${row}: onnx ${got[row][0]} vs reference ${expected}`);
    }
    // a short query: the window is the pair as truncation to 9 tokens gives it, [CLS] q [SEP] d[:5] [SEP]
    const long = { ids: [101, 7592, 1996, 102, 1996, 4248, 2829, 4419, 2058, 1996, 102], types: [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1] };
    const truncated = { ids: [101, 7592, 1996, 102, 1996, 4248, 2829, 4419, 102], types: [0, 0, 0, 0, 1, 1, 1, 1, 1] };
    const [encoderOnly] = await runBatch(plain, spec, [truncated]);
    const [both] = await runBatch(windowed, spec, [long]);
    assert.ok(Math.abs(both[0] - encoderOnly[0] - referenceLexicalScore(lexical, long.ids, long.types)) < TOLERANCE);
    // and the channel did see past the window: the query's 1996 (the) is twice in the whole document, once in the window
    assert.notEqual(referenceLexicalScore(lexical, long.ids, long.types), referenceLexicalScore(lexical, truncated.ids, truncated.types));
  });

  test('the reference counts, saturates and length-normalises as BM25 does', () => {
    const unit: LexicalMatchWeights = { ...lexical, termWeights: new Float32Array(spec.vocabSize).fill(1), k1: 1, b: 0, avgLength: 1 };
    // one query term, in the document twice: 2 * 2 / (2 + 1); [CLS] and [SEP] never count
    assert.ok(Math.abs(referenceLexicalScore(unit, [101, 7, 102, 7, 7, 9, 102], [0, 0, 0, 1, 1, 1, 1]) - 4 / 3) < 1e-12);
    // with b = 1 and a document twice the average length the constant doubles: 1 * 2 / (1 + 2)
    assert.ok(Math.abs(referenceLexicalScore({ ...unit, b: 1, avgLength: 1 }, [101, 7, 102, 7, 9, 102], [0, 0, 0, 1, 1, 1]) - 2 / 3) < 1e-12);
    // padding (mask 0) is neither query nor document
    assert.equal(referenceLexicalScore(unit, [101, 7, 102, 9, 102, 7], [0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 0]), 0);
  });
});

describe('generated int8 model', () => {
  let int8Dir = '';
  before(async () => {
    int8Dir = await ensureTestModel('tiny-bert', cacheRoot);
  });

  test('uses the MatMulInteger pattern for every weight MatMul', async () => {
    const { spec } = TEST_MODELS['tiny-bert'];
    const int8 = opCounts(await readFile(join(int8Dir, INT8_MODEL_FILE)));
    const fp32 = opCounts(await readFile(join(int8Dir, FP32_MODEL_FILE)));
    const weightMatMuls = spec.layers * 6 + 2; // q, k, v, attention out, ffn in, ffn out; pooler, classifier
    assert.equal(int8.get('MatMulInteger'), weightMatMuls);
    assert.ok((int8.get('DynamicQuantizeLinear') ?? 0) >= spec.layers * 4 + 2);
    // Only the two activation-by-activation MatMuls per layer stay in float.
    assert.equal(int8.get('MatMul'), spec.layers * 2);
    assert.equal(fp32.get('MatMul'), spec.layers * 2 + weightMatMuls);
    assert.equal(fp32.get('MatMulInteger'), undefined);
  });

  test('is close to fp32 over 32 sequences but not identical', async () => {
    const { spec } = TEST_MODELS['tiny-bert'];
    const rng = createRng(77);
    const randomIds = (n: number): number[] => Array.from({ length: n }, () => 1000 + Math.floor(rng.uniform() * 28000));
    const batch: Sequence[] = Array.from({ length: 32 }, () => {
      const ids = [101, ...randomIds(2 + Math.floor(rng.uniform() * 8)), 102, ...randomIds(3 + Math.floor(rng.uniform() * 30)), 102];
      return { ids, types: bertTypes(ids) };
    });
    const fp32 = (await runBatch(await ort.InferenceSession.create(join(int8Dir, FP32_MODEL_FILE)), spec, batch)).map((r) => r[0]);
    const int8 = (await runBatch(await ort.InferenceSession.create(join(int8Dir, INT8_MODEL_FILE)), spec, batch)).map((r) => r[0]);

    assert.ok(maxAbsDiff(fp32, int8) > 1e-6, 'int8 logits are identical to fp32: quantization is not in effect');
    // Dynamic uint8 activations + int8 weights in a 32-wide network with peaked attention:
    // measured here (AVX2) correlation 0.991, mean error 0.20, max 0.82 on logits with std
    // ~1.5. The bounds leave room for other CPUs' integer kernels; a wrong scale or zero
    // point would destroy the correlation entirely.
    const meanAbs = fp32.reduce((s, v, i) => s + Math.abs(v - int8[i]), 0) / fp32.length;
    assert.ok(correlation(fp32, int8) > 0.97, `correlation ${correlation(fp32, int8)}`);
    assert.ok(meanAbs < 0.4, `mean |int8 - fp32| = ${meanAbs}`);
    assert.ok(maxAbsDiff(fp32, int8) < 1.5, `max |int8 - fp32| = ${maxAbsDiff(fp32, int8)}`);
  });
});

describe('generation', () => {
  test('is deterministic: regenerating gives byte-identical files', async () => {
    const again = join(cacheRoot, 'again-tiny-bert');
    const files = await writeModelDir(again, 'tiny-bert');
    for (const file of files) {
      const [first, second] = await Promise.all([readFile(join(dirOf('tiny-bert'), file.path)), readFile(join(again, file.path))]);
      assert.ok(first.equals(second), `${file.path} differs between two generations`);
    }
  });

  test('ensureTestModel reuses a complete cached model', async () => {
    const original = await readFile(join(dirOf('tiny-roberta'), FP32_MODEL_FILE));
    assert.equal(await ensureTestModel('tiny-roberta', cacheRoot), dirOf('tiny-roberta'));
    assert.ok(original.equals(await readFile(join(dirOf('tiny-roberta'), FP32_MODEL_FILE))));
  });

  test('config.json describes the architecture', async () => {
    const config = JSON.parse(await readFile(join(dirOf('tiny-roberta'), 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.model_type, 'xlm-roberta');
    assert.equal(config.pad_token_id, 1);
    assert.equal(config.max_position_embeddings, 514);
    const twoLabel = JSON.parse(await readFile(join(dirOf('tiny-bert-2label'), 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(twoLabel.id2label, { 0: 'LABEL_0', 1: 'LABEL_1' });
  });
});

describe('tiny-roberta byte-level BPE tokenizer', () => {
  const PAIRS: [string, string][] = [
    ['How many people live in Berlin?', 'Berlin has a population of 3,520,031 registered inhabitants.'],
    ['hello world', 'The quick brown fox jumps over the lazy dog.'],
    ['Café crème brûlée', 'naïve façade — résumé'],
    ['emoji 🚀🔥 test', '👍🏽 family: 👨‍👩‍👧'],
    ['   leading spaces', 'trailing spaces   '],
    ["It's what they've said, isn't it?", "We'll see; you'd know."],
    ['北京是中国的首都', 'Москва — столица России'],
    ['tabs\tand\nnewlines', 'multiple   spaces here'],
    ['numbers 1234567890 and 3.14159', 'version 2.0.1-beta+build.5'],
    ['URL https://example.com/path?q=1&x=y', 'email: someone@example.org'],
    ['<mask> token here', 'a <s> and </s> inline'],
    ['', 'empty query'],
    ['convert images between formats', 'command line tool to resize them'],
  ];

  test('@huggingface/tokenizers and the Rust tokenizers agree id for id', async () => {
    const dir = dirOf('tiny-roberta');
    const js = new JsTokenizer(
      JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as object,
      JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')) as object,
    );
    const rust = tokenizers.Tokenizer.fromFile(join(dir, 'tokenizer.json'));
    const { vocabSize } = TEST_MODELS['tiny-roberta'].spec;
    assert.equal(rust.getVocabSize(true), vocabSize);

    for (const [a, b] of PAIRS) {
      const expected = (await rust.encode(a, b)).getIds();
      const actual = js.encode(a, { text_pair: b }).ids;
      assert.deepEqual(actual, expected, `${a} / ${b}`);
      assert.ok(expected.every((id) => id >= 0 && id < vocabSize));
    }
  });

  test('uses the RoBERTa pair template and merges common words', async () => {
    const rust = tokenizers.Tokenizer.fromFile(join(dirOf('tiny-roberta'), 'tokenizer.json'));
    const encoding = await rust.encode('How many people live in Berlin?', 'hello world');
    const tokens = encoding.getTokens();
    assert.deepEqual(tokens.slice(0, 2), ['<s>', 'H']);
    assert.ok(tokens.includes('Ġpeople') && tokens.includes('Ġworld'), tokens.join(' '));
    const ids = encoding.getIds();
    const firstSep = ids.indexOf(2);
    assert.deepEqual([ids[0], ids[firstSep + 1], ids[ids.length - 1]], [0, 2, 2]);
  });
});
