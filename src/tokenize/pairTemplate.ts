import { ModelFormatError } from '../errors.js';

/** One slot of a post-processor template: a run of special tokens, or the query (A) / document (B). */
export type TemplatePiece =
  | { kind: 'special'; ids: number[]; tokens: string[]; typeId: number }
  | { kind: 'sequence'; sequence: 'A' | 'B'; typeId: number };

/**
 * How the tokenizer wraps one text and a pair in special tokens, and which token type id each
 * part gets. @huggingface/tokenizers returns no token_type_ids and cannot truncate, so we encode
 * both sides without special tokens, truncate them ourselves and assemble the pair from this.
 */
export interface PairTemplate {
  single: TemplatePiece[];
  pair: TemplatePiece[];
  /** Special tokens the pair template adds: max_length less this is the budget for query + document. */
  pairSpecialCount: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function special(token: string, id: number, typeId: number): TemplatePiece {
  return { kind: 'special', ids: [id], tokens: [token], typeId };
}

function countSpecial(pieces: TemplatePiece[]): number {
  return pieces.reduce((n, piece) => n + (piece.kind === 'special' ? piece.ids.length : 0), 0);
}

function tokenAndId(value: unknown, field: string): [string, number] {
  if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'number') return [value[0], value[1]];
  throw new ModelFormatError(`tokenizer.json: post_processor.${field} is not a [token, id] pair`);
}

function fromTemplateProcessing(processor: Json): PairTemplate {
  const specials = isObject(processor.special_tokens) ? processor.special_tokens : {};
  const parse = (items: unknown, which: 'single' | 'pair'): TemplatePiece[] => {
    if (!Array.isArray(items)) throw new ModelFormatError(`tokenizer.json: post_processor.${which} is not a list`);
    return items.map((item): TemplatePiece => {
      if (isObject(item) && isObject(item.Sequence)) {
        const sequence = item.Sequence.id === 'B' ? 'B' : 'A';
        return { kind: 'sequence', sequence, typeId: Number(item.Sequence.type_id ?? 0) };
      }
      if (isObject(item) && isObject(item.SpecialToken)) {
        const name = String(item.SpecialToken.id);
        const entry = specials[name];
        if (!isObject(entry) || !Array.isArray(entry.ids)) {
          throw new ModelFormatError(`tokenizer.json: post_processor uses special token ${name} that special_tokens does not define`);
        }
        const tokens = Array.isArray(entry.tokens) ? entry.tokens.map(String) : [name];
        return { kind: 'special', ids: entry.ids.map(Number), tokens, typeId: Number(item.SpecialToken.type_id ?? 0) };
      }
      throw new ModelFormatError(`tokenizer.json: post_processor.${which} has an item that is neither Sequence nor SpecialToken`);
    });
  };
  const single = parse(processor.single, 'single');
  const pair = parse(processor.pair, 'pair');
  return { single, pair, pairSpecialCount: countSpecial(pair) };
}

/** BERT: [CLS] A [SEP] get type 0, B [SEP] get type 1. */
function fromBertProcessing(processor: Json): PairTemplate {
  const [clsToken, clsId] = tokenAndId(processor.cls, 'cls');
  const [sepToken, sepId] = tokenAndId(processor.sep, 'sep');
  const pair: TemplatePiece[] = [
    special(clsToken, clsId, 0),
    { kind: 'sequence', sequence: 'A', typeId: 0 },
    special(sepToken, sepId, 0),
    { kind: 'sequence', sequence: 'B', typeId: 1 },
    special(sepToken, sepId, 1),
  ];
  const single = pair.slice(0, 3);
  return { single, pair, pairSpecialCount: countSpecial(pair) };
}

/** RoBERTa / XLM-R: <s> A </s></s> B </s>, every token of type 0. */
function fromRobertaProcessing(processor: Json): PairTemplate {
  const [clsToken, clsId] = tokenAndId(processor.cls, 'cls');
  const [sepToken, sepId] = tokenAndId(processor.sep, 'sep');
  const pair: TemplatePiece[] = [
    special(clsToken, clsId, 0),
    { kind: 'sequence', sequence: 'A', typeId: 0 },
    { kind: 'special', ids: [sepId, sepId], tokens: [sepToken, sepToken], typeId: 0 },
    { kind: 'sequence', sequence: 'B', typeId: 0 },
    special(sepToken, sepId, 0),
  ];
  const single = [pair[0], pair[1], special(sepToken, sepId, 0)];
  return { single, pair, pairSpecialCount: countSpecial(pair) };
}

const NO_SPECIALS: PairTemplate = {
  single: [{ kind: 'sequence', sequence: 'A', typeId: 0 }],
  pair: [
    { kind: 'sequence', sequence: 'A', typeId: 0 },
    { kind: 'sequence', sequence: 'B', typeId: 1 },
  ],
  pairSpecialCount: 0,
};

/** Reads the pair template from a tokenizer.json `post_processor` (null means: no special tokens). */
export function pairTemplateFromPostProcessor(processor: unknown): PairTemplate {
  if (processor === null || processor === undefined) return NO_SPECIALS;
  if (!isObject(processor)) throw new ModelFormatError('tokenizer.json: post_processor is not an object');
  switch (processor.type) {
    case 'TemplateProcessing':
      return fromTemplateProcessing(processor);
    case 'BertProcessing':
      return fromBertProcessing(processor);
    case 'RobertaProcessing':
      return fromRobertaProcessing(processor);
    case 'ByteLevel':
      return NO_SPECIALS;
    case 'Sequence': {
      // e.g. [ByteLevel, TemplateProcessing]: only one member adds special tokens.
      const members = Array.isArray(processor.processors) ? processor.processors : [];
      const templated = members.filter((m) => isObject(m) && m.type !== 'ByteLevel');
      if (templated.length > 1) throw new ModelFormatError('tokenizer.json: post_processor Sequence has more than one template');
      return pairTemplateFromPostProcessor(templated[0] ?? null);
    }
    default:
      throw new ModelFormatError(`tokenizer.json: post_processor type ${String(processor.type)} is not supported`);
  }
}
