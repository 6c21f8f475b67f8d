import type { Tokenizer } from '@huggingface/tokenizers';
import { exactTokenizer } from './exactTokenizer.js';
import { pairTemplateFromPostProcessor, type PairTemplate, type TemplatePiece } from './pairTemplate.js';
import { earlyExitLength, earlyExitLengthFromEnd, SplitBoundaries } from './splitBoundaries.js';
import { TextBound } from './textBound.js';
import { truncatedLengths, type TruncationStrategy } from './truncation.js';
import { InputError } from '../errors.js';

/** One text as the tokenizer model splits it, without special tokens. */
export interface TextTokens {
  ids: number[];
  tokens: string[];
  /** The text itself, where known: the truncation rule needs its word splits when both sides are long. */
  text?: string;
}

/** The model inputs of one (query, document) pair, as Hugging Face's tokenizer returns them. */
export interface PairEncoding {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  tokens: string[];
}

export interface PairEncodeOptions {
  /** Total tokens of the pair, special tokens included. */
  maxLength: number;
  truncation?: TruncationStrategy;
  /** Which end a side that is cut loses: `right` (the default) keeps its start, `left` its end. */
  direction?: TruncationDirection;
}

/** Hugging Face's `truncation_side`: the end of a sequence that truncation removes. */
export type TruncationDirection = 'right' | 'left';

/**
 * Encodes (query, document) pairs exactly as `tokenizer(query, document, truncation=True,
 * max_length=N)` does in Hugging Face transformers: each side is tokenized on its own, the sides
 * are truncated by the fast-tokenizer rule, then wrapped by the pair template.
 */
export class PairEncoder {
  readonly template: PairTemplate;
  readonly padTokenId: number;
  private splitBoundaries?: SplitBoundaries;
  private textBound?: TextBound;

  // Private: its parameter is @huggingface/tokenizers' Tokenizer, whose declarations a strict
  // consumer build (NodeNext, skipLibCheck false) rejects; fromJson() is the way in.
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly tokenizerJson: Record<string, unknown>,
    private readonly tokenizerConfig: Record<string, unknown>,
  ) {
    this.template = pairTemplateFromPostProcessor(tokenizerJson.post_processor);
    this.padTokenId = resolvePadTokenId(tokenizer, tokenizerJson, tokenizerConfig);
  }

  static fromJson(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>): PairEncoder {
    return new PairEncoder(exactTokenizer(tokenizerJson, tokenizerConfig), tokenizerJson, tokenizerConfig);
  }

  /** Special tokens the pair template adds around query and document. */
  get pairSpecialCount(): number {
    return this.template.pairSpecialCount;
  }

  /** Special tokens the single-text template adds around one text ([CLS] … [SEP] for BERT). */
  get singleSpecialCount(): number {
    return this.template.single.reduce((n, piece) => n + (piece.kind === 'special' ? piece.ids.length : 0), 0);
  }

  encodeText(text: string): TextTokens {
    const { ids, tokens } = this.tokenizer.encode(text, { add_special_tokens: false });
    return { ids, tokens, text };
  }

  /**
   * encodeText of a text of which at most `keep` tokens from one end can be kept: a huge text is
   * cut first (see TextBound), so that its cost is bounded by `keep`, not by its length. The
   * tokens kept, and whether there are more than `keep`, are those of the whole text.
   */
  encodeTextBounded(text: string, keep: number, side: TruncationDirection): TextTokens {
    return this.bound().encode(text, keep, side, (part) => this.encodeText(part));
  }

  private bound(): TextBound {
    return (this.textBound ??= new TextBound(this.tokenizerJson));
  }

  encodePair(query: string, document: string, options: PairEncodeOptions): PairEncoding {
    // Each side keeps at most maxLength tokens, and a side cut to more than that is truncated, and
    // counted by the truncation rule, as the whole side would be (see TextBound).
    const side = options.direction ?? 'right';
    return this.assemble(this.encodeTextBounded(query, options.maxLength, side), this.encodeTextBounded(document, options.maxLength, side), options);
  }

  /**
   * Encodes one text as `tokenizer(text, truncation=True, max_length=N)` does (the input of an
   * embedding model): its first tokens that fit beside the special tokens, wrapped by the
   * tokenizer's single-sequence template. The result has the shape of a pair's encoding.
   */
  encodeSingle(text: string, options: { maxLength: number; prefix?: string }): PairEncoding {
    // `prefix + text`, encoded with the text cut before it is prefixed: a prefixed huge text would
    // be copied whole (V8 flattens the joined string), though only its first tokens are read. A
    // cut is a split boundary within the text, and stays one behind the prefix (the cut rules read
    // the characters next to the cut, which the prefix does not change).
    const prefix = options.prefix ?? '';
    const tokens = this.bound().encode(text, options.maxLength, 'right', (part) => this.encodeText(prefix + part));
    return this.assembleSingle(tokens, options.maxLength);
  }

  /** Truncates one pre-tokenized text to fit `maxLength` and wraps it in the single template. */
  assembleSingle(text: TextTokens, maxLength: number): PairEncoding {
    const budget = maxLength - this.singleSpecialCount;
    if (budget < 0) throw new InputError(`max_length ${maxLength} leaves no room for the special tokens of one text`);
    // A single-text template names only sequence A.
    return fillTemplate(this.template.single, { A: keptTokens(text, Math.min(budget, text.ids.length), 'right') });
  }

  /** Truncates two pre-tokenized sides to fit `maxLength` and wraps them in the pair template. */
  assemble(query: TextTokens, document: TextTokens, options: PairEncodeOptions): PairEncoding {
    const budget = options.maxLength - this.template.pairSpecialCount;
    const direction = options.direction ?? 'right';
    const [queryLength, documentLength] = this.truncationLengths(query, document, options.maxLength, direction);
    const [keepQuery, keepDocument] = truncatedLengths(queryLength, documentLength, budget, options.truncation ?? 'longest_first');
    return fillTemplate(this.template.pair, { A: keptTokens(query, keepQuery, direction), B: keptTokens(document, keepDocument, direction) });
  }

  /**
   * The lengths the truncation rule compares. They are the token counts, except where both sides
   * reach max_length: then Hugging Face counts each only up to the split that reaches max_length
   * (see earlyExitLength; truncating from the left, it tokenizes from the end: earlyExitLengthFromEnd).
   * With one side shorter the counts cannot change the outcome.
   */
  private truncationLengths(query: TextTokens, document: TextTokens, maxLength: number, direction: TruncationDirection): [number, number] {
    const lengths: [number, number] = [query.ids.length, document.ids.length];
    if (lengths[0] < maxLength || lengths[1] < maxLength || query.text === undefined || document.text === undefined) return lengths;
    this.splitBoundaries ??= new SplitBoundaries(this.tokenizerJson, this.tokenizerConfig);
    const count = direction === 'left' ? earlyExitLengthFromEnd : earlyExitLength;
    return [count(this.splitBoundaries.ends(query.text), maxLength), count(this.splitBoundaries.ends(document.text), maxLength)];
  }

  /** The document tokens that fit beside `queryLength` query tokens in `maxLength` (at least 0). */
  documentBudget(queryLength: number, maxLength: number): number {
    return Math.max(0, maxLength - this.template.pairSpecialCount - queryLength);
  }
}

function resolvePadTokenId(
  tokenizer: Tokenizer,
  tokenizerJson: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
): number {
  const padding = tokenizerJson.padding as { pad_id?: unknown } | null | undefined;
  const configured = tokenizerConfig.pad_token;
  const padToken = typeof configured === 'string' ? configured : (configured as { content?: string } | undefined)?.content;
  if (padToken !== undefined) {
    const id = tokenizer.token_to_id(padToken);
    if (id !== undefined) return id;
  }
  if (padding && typeof padding.pad_id === 'number') return padding.pad_id;
  // Padded positions are masked out, so the id only has to exist; 0 is what transformers.js uses too.
  return 0;
}

/** The `keep` tokens a truncated text keeps: its start, or its end when truncating from the left. */
function keptTokens(text: TextTokens, keep: number, direction: TruncationDirection): TextTokens {
  const from = direction === 'left' ? text.ids.length - keep : 0;
  return { ids: text.ids.slice(from, from + keep), tokens: text.tokens.slice(from, from + keep) };
}

/** Model inputs from a template: its special tokens, and each named sequence's tokens, with the template's type ids. */
function fillTemplate(pieces: readonly TemplatePiece[], sequences: Partial<Record<'A' | 'B', TextTokens>>): PairEncoding {
  const inputIds: number[] = [];
  const tokenTypeIds: number[] = [];
  const tokens: string[] = [];
  for (const piece of pieces) {
    const ids = piece.kind === 'special' ? piece.ids : (sequences[piece.sequence]?.ids ?? []);
    const pieceTokens = piece.kind === 'special' ? piece.tokens : (sequences[piece.sequence]?.tokens ?? []);
    for (let i = 0; i < ids.length; i++) {
      inputIds.push(ids[i]);
      tokens.push(pieceTokens[i] ?? '');
      tokenTypeIds.push(piece.typeId);
    }
  }
  return { inputIds, tokenTypeIds, attentionMask: new Array<number>(inputIds.length).fill(1), tokens };
}
