import type { PairEncoder, PairEncoding } from '../tokenize/pairEncoder.js';
import type { LateInteractionSettings } from './lateInteractionSettings.js';

/** A document's model inputs and which of its positions keep their vector. */
export interface DocumentEncoding extends PairEncoding {
  /** Per position: false for punctuation (when the model masks it); padding is never in an encoding. */
  kept: boolean[];
  /** true where the document had more tokens than the document length holds. */
  truncated: boolean;
}

/**
 * Query and document inputs exactly as colbert-ai's QueryTokenizer and DocTokenizer build them:
 * the text gets a marker right after the first special token (`[CLS] [Q] query [SEP]`), is cut to
 * the length, and a query is padded with [MASK] to its full length, the padding masked out of
 * attention unless the model attends to mask tokens; its vectors are all kept (query augmentation).
 */
export class LateInteractionEncoder {
  private readonly punctuationIds: ReadonlySet<number>;

  constructor(
    readonly encoder: PairEncoder,
    readonly settings: LateInteractionSettings,
  ) {
    // colbert-ai's skiplist: the first token id of each punctuation character on its own.
    const ids = settings.skiplist.map((symbol) => encoder.encodeText(symbol).ids[0]).filter((id) => id !== undefined);
    this.punctuationIds = new Set(settings.maskPunctuation ? ids : []);
  }

  encodeQuery(query: string): PairEncoding {
    const { queryMaxLength, queryMarkerId, maskTokenId, attendToMaskTokens } = this.settings;
    const encoding = this.withMarker(query, queryMarkerId, queryMaxLength);
    const padding = this.settings.queryExpansion ? queryMaxLength - encoding.inputIds.length : 0;
    return {
      inputIds: [...encoding.inputIds, ...new Array<number>(padding).fill(maskTokenId)],
      tokenTypeIds: [...encoding.tokenTypeIds, ...new Array<number>(padding).fill(0)],
      attentionMask: [...encoding.attentionMask, ...new Array<number>(padding).fill(attendToMaskTokens ? 1 : 0)],
      tokens: [...encoding.tokens, ...new Array<string>(padding).fill('[MASK]')],
    };
  }

  /** `maxTokens`: keep at most this many of the document's own tokens (Cohere's `max_tokens_per_doc`), within the document length. */
  encodeDocument(document: string, maxTokens = Number.POSITIVE_INFINITY): DocumentEncoding {
    const { documentMaxLength, documentMarkerId } = this.settings;
    const length = Math.min(documentMaxLength, this.encoder.singleSpecialCount + 1 + maxTokens);
    const encoding = this.withMarker(document, documentMarkerId, length);
    const kept = encoding.inputIds.map((id) => !this.punctuationIds.has(id) && id !== this.encoder.padTokenId);
    return { ...encoding, kept, truncated: encoding.truncated };
  }

  /** The text's tokens after a marker, in the single-text template, cut to `maxLength`. */
  private withMarker(text: string, markerId: number, maxLength: number): PairEncoding & { truncated: boolean } {
    // Room for the marker beside the template's special tokens; a longer text is cut first, cheaply.
    const budget = maxLength - this.encoder.singleSpecialCount - 1;
    const tokens = this.encoder.encodeTextBounded(text, budget, 'right');
    const truncated = tokens.ids.length > budget;
    const encoding = this.encoder.assembleSingle({ ids: [markerId, ...tokens.ids.slice(0, budget)], tokens: ['[marker]', ...tokens.tokens.slice(0, budget)] }, maxLength);
    return { ...encoding, truncated };
  }
}
