/**
 * Converts a sentencepiece Unigram model (.model, a ModelProto) into the tokenizer.json that
 * Hugging Face's converters (transformers' convert_slow_tokenizer.py) write for:
 * - 'xlmr': XLMRobertaConverter (BAAI/bge-reranker-*, jina-reranker-v2): fairseq ids <s>=0,
 *   <pad>=1, </s>=2, <unk>=3, then the model's pieces from id 3 on shifted by one, <mask> last;
 *   <s> A </s></s> B </s>, every type id 0;
 * - 'debertav3': DebertaV2Converter (mxbai-rerank-*-v1): the model's own ids ([PAD]=0, [CLS]=1,
 *   [SEP]=2, [UNK]=3), [MASK] added after them; Strip before the charsmap;
 *   [CLS] A [SEP] B [SEP] with type ids 0 and 1.
 * Both: the model's precompiled_charsmap (base64) then " {2,}" -> " ", Metaspace "▁" always prepended.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addedToken, sequencePiece as sequence, specialPiece as special } from './tokenizerJsonParts.js';
import { SENTENCEPIECE_FIXTURES, type SentencepieceLayout } from './trainSentencepiece.js';

interface Piece {
  piece: string;
  score: number;
  /** sentencepiece's ModelProto.SentencePiece.Type: 1 normal, 2 unknown, 3 control, 4 user defined, 6 byte. */
  type: number;
}

export interface SentencepieceModel {
  pieces: Piece[];
  precompiledCharsmap: Uint8Array;
}

/** A protobuf reader for the few ModelProto fields the conversion needs. */
class ProtoReader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.bytes[this.pos++];
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  }

  /** Each field as [number, wire type, payload (length-delimited bytes, or the number)]. */
  *fields(): Generator<[number, number, Uint8Array | number]> {
    while (this.pos < this.bytes.length) {
      const key = this.varint();
      const wire = key & 7;
      const field = Math.floor(key / 8);
      if (wire === 0) yield [field, wire, this.varint()];
      else if (wire === 2) {
        const length = this.varint();
        yield [field, wire, this.bytes.subarray(this.pos, this.pos + length)];
        this.pos += length;
      } else if (wire === 5) {
        yield [field, wire, new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true)];
        this.pos += 4;
      } else if (wire === 1) this.pos += 8;
      else throw new Error(`sentencepiece model: unsupported protobuf wire type ${wire}`);
    }
  }
}

export function parseSentencepieceModel(bytes: Uint8Array): SentencepieceModel {
  const pieces: Piece[] = [];
  let precompiledCharsmap = new Uint8Array();
  const text = new TextDecoder();
  for (const [field, , payload] of new ProtoReader(bytes).fields()) {
    if (field === 1 && payload instanceof Uint8Array) {
      const piece: Piece = { piece: '', score: 0, type: 1 };
      for (const [f, , value] of new ProtoReader(payload).fields()) {
        if (f === 1 && value instanceof Uint8Array) piece.piece = text.decode(value);
        if (f === 2 && typeof value === 'number') piece.score = value;
        if (f === 3 && typeof value === 'number') piece.type = value;
      }
      pieces.push(piece);
    } else if (field === 3 && payload instanceof Uint8Array) {
      for (const [f, , value] of new ProtoReader(payload).fields()) {
        if (f === 2 && value instanceof Uint8Array) precompiledCharsmap = value.slice();
      }
    }
  }
  return { pieces, precompiledCharsmap };
}

const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };

export interface SentencepieceTokenizerFiles {
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  specialTokensMap: Record<string, unknown>;
  /** The file name transformers' slow tokenizer reads the .model from. */
  modelFileName: string;
}

export function convertSentencepiece(model: SentencepieceModel, layout: SentencepieceLayout): SentencepieceTokenizerFiles {
  const charsmap = Buffer.from(model.precompiledCharsmap).toString('base64');
  const collapseSpaces = { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' };
  if (layout === 'xlmr') {
    const vocab: [string, number][] = [['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0]];
    for (const p of model.pieces.slice(3)) vocab.push([p.piece, p.score]);
    const maskId = vocab.length;
    vocab.push(['<mask>', 0]);
    return {
      tokenizer: {
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: [addedToken(0, '<s>'), addedToken(1, '<pad>'), addedToken(2, '</s>'), addedToken(3, '<unk>'), addedToken(maskId, '<mask>', true)],
        normalizer: { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: charsmap }, collapseSpaces] },
        pre_tokenizer: metaspace,
        post_processor: {
          type: 'TemplateProcessing',
          single: [special('<s>', 0), sequence('A', 0), special('</s>', 0)],
          pair: [special('<s>', 0), sequence('A', 0), special('</s>', 0), special('</s>', 0), sequence('B', 0), special('</s>', 0)],
          special_tokens: { '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } },
        },
        decoder: metaspace,
        model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
      },
      tokenizerConfig: {
        tokenizer_class: 'XLMRobertaTokenizer',
        bos_token: '<s>', eos_token: '</s>', sep_token: '</s>', cls_token: '<s>', unk_token: '<unk>', pad_token: '<pad>', mask_token: '<mask>',
        model_max_length: 512, // bge-reranker-base's (bge-reranker-v2-m3 has 8192)
        clean_up_tokenization_spaces: true,
      },
      specialTokensMap: { bos_token: '<s>', eos_token: '</s>', sep_token: '</s>', cls_token: '<s>', unk_token: '<unk>', pad_token: '<pad>', mask_token: '<mask>' },
      modelFileName: 'sentencepiece.bpe.model',
    };
  }
  const vocab: [string, number][] = model.pieces.map((p) => [p.piece, p.score]);
  const maskId = vocab.length;
  vocab.push(['[MASK]', 0]);
  const idOf = (token: string) => model.pieces.findIndex((p) => p.piece === token);
  const [pad, cls, sep, unk] = ['[PAD]', '[CLS]', '[SEP]', '[UNK]'].map(idOf);
  return {
    tokenizer: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [addedToken(pad, '[PAD]'), addedToken(cls, '[CLS]'), addedToken(sep, '[SEP]'), addedToken(unk, '[UNK]'), addedToken(maskId, '[MASK]')],
      normalizer: {
        type: 'Sequence',
        normalizers: [{ type: 'Strip', strip_left: true, strip_right: true }, { type: 'Precompiled', precompiled_charsmap: charsmap }, collapseSpaces],
      },
      pre_tokenizer: { type: 'Sequence', pretokenizers: [metaspace] },
      post_processor: {
        type: 'TemplateProcessing',
        single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
        pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
        special_tokens: { '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] } },
      },
      decoder: metaspace,
      model: { type: 'Unigram', unk_id: unk, vocab, byte_fallback: false },
    },
    tokenizerConfig: {
      tokenizer_class: 'DebertaV2Tokenizer',
      do_lower_case: false, split_by_punct: false,
      bos_token: '[CLS]', eos_token: '[SEP]', sep_token: '[SEP]', cls_token: '[CLS]', unk_token: '[UNK]', pad_token: '[PAD]', mask_token: '[MASK]',
      model_max_length: 512,
    },
    specialTokensMap: { bos_token: '[CLS]', eos_token: '[SEP]', sep_token: '[SEP]', cls_token: '[CLS]', unk_token: '[UNK]', pad_token: '[PAD]', mask_token: '[MASK]' },
    modelFileName: 'spm.model',
  };
}

/** The committed fixture for `layout`, converted; the .model itself is copied next to tokenizer.json. */
export async function writeSentencepieceTokenizer(dir: string, layout: SentencepieceLayout): Promise<string[]> {
  const source = join(SENTENCEPIECE_FIXTURES, `${layout}.model`);
  const files = convertSentencepiece(parseSentencepieceModel(await readFile(source)), layout);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(dir, 'tokenizer.json'), json(files.tokenizer));
  await writeFile(join(dir, 'tokenizer_config.json'), json(files.tokenizerConfig));
  await writeFile(join(dir, 'special_tokens_map.json'), json(files.specialTokensMap));
  await copyFile(source, join(dir, files.modelFileName));
  return ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', files.modelFileName];
}
