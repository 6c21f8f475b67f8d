// Tokenizer parity for the reranker families that are not BERT WordPiece: XLM-RoBERTa and
// DeBERTa-v3 (sentencepiece Unigram with the nmt_nfkc charsmap, converted from real spm_train
// models) and ModernBERT (byte-level BPE), against the Rust tokenizers and sentencepiece.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tokenizer } from '@huggingface/tokenizers';
import { readJsonObject } from '../src/model/index.js';
import { PairEncoder } from '../src/tokenize/pairEncoder.js';
import { PrecompiledCharsmap } from '../src/tokenize/precompiledCharsmap.js';
import { compareWithRust } from './support/encodingParity.js';
import { RustTokenizer } from './support/rustTokenizer.js';
import { HARD_FRAGMENTS, mixedText, sampleTexts } from './support/sampleTexts.js';
import { seededRandom } from './support/seededRandom.js';
import { sentencepieceIds, sentencepieceMissing } from './support/sentencepiece.js';
import { testModel } from './support/testModels.js';

async function family(name: 'tiny-xlmr' | 'tiny-debertav3' | 'tiny-modernbert') {
  const dir = (await testModel(name)).dir;
  const json = readJsonObject(`${dir}/tokenizer.json`);
  const config = readJsonObject(`${dir}/tokenizer_config.json`);
  return { dir, json, config, encoder: PairEncoder.fromJson(json, config), rust: RustTokenizer.fromFile(`${dir}/tokenizer.json`) };
}

test('XLM-RoBERTa layout (Unigram, nmt_nfkc charsmap): pairs equal the Rust tokenizer id for id', async () => {
  const { encoder, rust } = await family('tiny-xlmr');
  assert.equal(encoder.pairSpecialCount, 4);
  assert.equal(encoder.padTokenId, 1);
  await compareWithRust(encoder, rust, 21);
});

test('DeBERTa-v3 layout (Strip, charsmap, [CLS] A [SEP] B [SEP]): pairs equal the Rust tokenizer id for id', async () => {
  const { encoder, rust } = await family('tiny-debertav3');
  assert.equal(encoder.pairSpecialCount, 3);
  assert.equal(encoder.padTokenId, 0);
  await compareWithRust(encoder, rust, 22);
});

test('ModernBERT layout (NFC, byte-level BPE, [PAD] 1022): pairs equal the Rust tokenizer id for id', async () => {
  const { encoder, rust } = await family('tiny-modernbert');
  assert.equal(encoder.pairSpecialCount, 3);
  assert.equal(encoder.padTokenId, 1022);
  await compareWithRust(encoder, rust, 23);
});

test('the charsmap cases where the library approximation differs: kept as Hugging Face keeps them', async () => {
  const { json, config, encoder, rust } = await family('tiny-xlmr');
  const library = new Tokenizer(json, config);
  // A decomposed ê, half-width katakana with a voiced mark, a ZWJ emoji sequence, ZWJ in Devanagari.
  for (const text of ['Vie\u0323\u0302t', 'ﾊﾞｽ', '👩‍👩‍👧', 'क्‍ष']) {
    const expected = await rust.encodePair(text, 'x', 512, 'longest_first');
    assert.ok(!(expected instanceof Error));
    assert.deepEqual(encoder.encodePair(text, 'x', { maxLength: 512 }).inputIds, expected.inputIds, text);
    // The approximation that this replaces gets each of them wrong (so the test can fail).
    assert.notDeepEqual(library.encode(text, { text_pair: 'x' }).ids, expected.inputIds, text);
  }
});

test('PrecompiledCharsmap: nmt_nfkc rules (full-width, ligatures, half-width kana, controls)', async () => {
  const { json } = await family('tiny-xlmr');
  const precompiled = ((json.normalizer as { normalizers: { precompiled_charsmap?: string }[] }).normalizers[0].precompiled_charsmap ?? '');
  const charsmap = PrecompiledCharsmap.fromBase64(precompiled);
  assert.equal(charsmap.normalize('ＡＢＣ１２３'), 'ABC123');
  assert.equal(charsmap.normalize('ﬁ'), 'fi');
  assert.equal(charsmap.normalize('ｶ'), 'カ');
  assert.equal(charsmap.transform('a'), undefined);
  assert.equal(charsmap.normalize('a\u0007b'), 'ab'); // nmt_nfkc drops control characters
  assert.throws(() => new PrecompiledCharsmap(new Uint8Array([255, 255, 0, 0, 1])), /trie size/);
  assert.throws(() => new PrecompiledCharsmap(new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, 0xc3, 0x28])), /not UTF-8/);
});

/**
 * sentencepiece's own ids: crossrank must give them wherever the Rust tokenizer (what
 * transformers runs) does. Where Hugging Face's conversion itself departs from sentencepiece
 * (its charsmap walks graphemes, XLM-R keeps a trailing "▁", Viterbi ties) crossrank follows
 * Hugging Face, and the test counts those texts.
 */
for (const [name, modelFile, toHf] of [
  ['tiny-xlmr', 'sentencepiece.bpe.model', (id: number) => (id === 0 ? 3 : id + 1)], // fairseq offset; spm's <unk> is 0, XLM-R's 3
  ['tiny-debertav3', 'spm.model', (id: number) => id],
] as const) {
  test(`${name}: sentencepiece's own ids wherever the Rust tokenizer gives them`, { skip: sentencepieceMissing() }, async (t) => {
    const { dir, encoder, rust } = await family(name);
    const random = seededRandom(31);
    const texts = [...sampleTexts(), ...HARD_FRAGMENTS, ...Array.from({ length: 400 }, () => mixedText(random))];
    const spm = sentencepieceIds(`${dir}/${modelFile}`, texts);
    let agreeing = 0;
    for (const [i, text] of texts.entries()) {
      const ours = encoder.encodeText(text).ids;
      const reference = await rust.encodePair(text, '', 100000, 'longest_first');
      assert.ok(!(reference instanceof Error));
      const spmIds = spm[i].map(toHf);
      const rustAgrees = JSON.stringify(reference.inputIds.slice(1, 1 + ours.length)) === JSON.stringify(spmIds) && reference.inputIds.length - encoder.pairSpecialCount === spmIds.length;
      if (rustAgrees) {
        assert.deepEqual(ours, spmIds, JSON.stringify(text));
        agreeing++;
      }
    }
    t.diagnostic(`sentencepiece and Hugging Face agree on ${agreeing} of ${texts.length} texts; crossrank equals both on all of them`);
    // Most texts must be comparable, or this proves little.
    assert.ok(agreeing > texts.length * 0.5, `sentencepiece and Hugging Face agree on ${agreeing} of ${texts.length} texts`);
  });
}
