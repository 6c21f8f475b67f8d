import { InputError, TooLongError } from '../errors.js';
import type { PairEncoder } from '../tokenize/pairEncoder.js';
import { fillSegment, instructionText, type LlmPromptFormat } from './llmPromptFormats.js';

/** The token ids of one (query, document) prompt, split where the request-wide part ends. */
export interface LlmPrompt {
  /** Every piece before the document: the same for all documents of a request (system turn, instruction, query). */
  sharedIds: number[];
  /** The document piece (cut to fit) and every piece after it: the suffix ends at the answer position. */
  ownIds: number[];
  /** Whether the document lost tokens to fit maxLength. */
  truncated: boolean;
}

/** The vocabulary ids whose logits give the score. */
export interface AnswerTokens {
  yesId: number;
  noId?: number;
}

function singleTokenId(encoder: PairEncoder, token: string, field: string): number {
  const { ids } = encoder.encodeText(token);
  if (ids.length !== 1) throw new InputError(`prompt format: "${field}" ("${token}") must be one token of this tokenizer, it is ${ids.length}`);
  return ids[0];
}

/** The ids of the format's answer tokens, as the model card takes them (`tokenizer.convert_tokens_to_ids` of one token). */
export function answerTokens(encoder: PairEncoder, format: LlmPromptFormat): AnswerTokens {
  return {
    yesId: singleTokenId(encoder, format.yesToken, 'yesToken'),
    noId: format.noToken === undefined ? undefined : singleTokenId(encoder, format.noToken, 'noToken'),
  };
}

/**
 * Builds prompts of one request: the pieces before the document are tokenized once, each document
 * piece is cut at its end to what is left of `maxLength`, and the pieces after it are always kept,
 * so the answer position is always the last token.
 */
export class LlmPromptBuilder {
  private readonly documentAt: number;

  constructor(
    private readonly encoder: PairEncoder,
    private readonly format: LlmPromptFormat,
    private readonly maxLength: number,
  ) {
    this.documentAt = format.segments.findIndex((s) => s.role === 'document');
  }

  /**
   * The shared part of a request's prompts and the room left for each document. Fixed pieces are
   * tokenized whole; the query piece keeps at most 3/4 of the room beside them.
   */
  private shared(query: string, instruction: string | undefined): { sharedIds: number[]; fields: { instruction: string; query: string; document: string }; documentRoom: number } {
    const fields = { instruction: instructionText(this.format, instruction), query, document: '' };
    const fixedIds = (text: string) => this.encoder.encodeText(fillSegment(text, fields)).ids;
    const fixedLength = this.format.segments.reduce((n, s) => (s.role === 'fixed' ? n + fixedIds(s.text).length : n), 0);
    const room = this.maxLength - fixedLength;
    if (room < 2) throw new TooLongError(`the prompt format's fixed text takes ${fixedLength} of the ${this.maxLength} tokens allowed`, 'instruction');
    const queryRoom = Math.floor((room * 3) / 4);
    const sharedIds: number[] = [];
    let queryLength = 0;
    for (const segment of this.format.segments.slice(0, this.documentAt)) {
      if (segment.role === 'query') {
        const ids = this.encoder.encodeTextBounded(fillSegment(segment.text, fields), queryRoom, 'right').ids.slice(0, queryRoom);
        queryLength = ids.length;
        sharedIds.push(...ids);
      } else {
        sharedIds.push(...fixedIds(segment.text));
      }
    }
    return { sharedIds, fields, documentRoom: room - queryLength };
  }

  /** The prompts of one query against each document, with the shared part computed once. */
  build(query: string, documents: readonly string[], instruction?: string): LlmPrompt[] {
    const { sharedIds, fields, documentRoom } = this.shared(query, instruction);
    const after = this.format.segments.slice(this.documentAt + 1).flatMap((s) => (s.role === 'fixed' ? this.encoder.encodeText(fillSegment(s.text, fields)).ids : []));
    const afterQuery = this.format.segments.slice(this.documentAt + 1).some((s) => s.role === 'query');
    if (afterQuery) throw new InputError('prompt format: the "query" piece must come before the "document" piece');
    const documentTemplate = this.format.segments[this.documentAt].text;
    return documents.map((document) => {
      const documentText = fillSegment(documentTemplate, { ...fields, document });
      const encoded = this.encoder.encodeTextBounded(documentText, documentRoom, 'right').ids;
      const kept = encoded.slice(0, documentRoom);
      return { sharedIds, ownIds: [...kept, ...after], truncated: kept.length < encoded.length };
    });
  }
}
