// The official Hugging Face tokenizers (Rust, through its Node binding): the reference that
// Python's AutoTokenizer runs, used here to check our pair encoding id for id.
import tokenizers from 'tokenizers';
import type { TruncationStrategy } from '../../src/tokenize/truncation.js';

export interface ReferenceEncoding {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  tokens: string[];
}

export class RustTokenizer {
  private constructor(private readonly tokenizer: tokenizers.Tokenizer) {}

  static fromFile(path: string): RustTokenizer {
    const tokenizer = tokenizers.Tokenizer.fromFile(path);
    // transformers overrides a tokenizer.json's own padding/truncation with the call's arguments
    tokenizer.disablePadding();
    tokenizer.disableTruncation();
    return new RustTokenizer(tokenizer);
  }

  /**
   * `tokenizer(query, document, truncation=strategy, max_length=maxLength)` (with
   * `truncation_side=direction`), or an Error where it refuses.
   */
  async encodePair(
    query: string,
    document: string,
    maxLength: number,
    strategy: TruncationStrategy,
    direction: 'right' | 'left' = 'right',
  ): Promise<ReferenceEncoding | Error> {
    this.tokenizer.setTruncation(maxLength, {
      strategy: strategy === 'only_second' ? tokenizers.TruncationStrategy.OnlySecond : tokenizers.TruncationStrategy.LongestFirst,
      direction,
    });
    try {
      const encoding = await this.tokenizer.encode(query, document);
      return {
        inputIds: encoding.getIds(),
        tokenTypeIds: encoding.getTypeIds(),
        attentionMask: encoding.getAttentionMask(),
        tokens: encoding.getTokens(),
      };
    } catch (error) {
      return error as Error;
    }
  }

  /** `tokenizer(text, truncation=True, max_length=maxLength)`: one text, as an embedding model is fed. */
  async encodeSingle(text: string, maxLength: number): Promise<ReferenceEncoding> {
    this.tokenizer.setTruncation(maxLength);
    const encoding = await this.tokenizer.encode(text);
    return {
      inputIds: encoding.getIds(),
      tokenTypeIds: encoding.getTypeIds(),
      attentionMask: encoding.getAttentionMask(),
      tokens: encoding.getTokens(),
    };
  }
}
