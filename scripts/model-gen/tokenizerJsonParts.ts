/** A tokenizer.json `added_tokens` entry for a special token, with the fields in the order Hugging Face writes them. */
export function addedToken(id: number, content: string, lstrip = false): Record<string, unknown> {
  return { id, content, single_word: false, lstrip, rstrip: false, normalized: false, special: true };
}

/** A TemplateProcessing item: a special token with its type id. */
export const specialPiece = (id: string, typeId: number) => ({ SpecialToken: { id, type_id: typeId } });

/** A TemplateProcessing item: sequence A (query) or B (document) with its type id. */
export const sequencePiece = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
