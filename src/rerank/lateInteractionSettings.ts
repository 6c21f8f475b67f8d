import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFormatError } from '../errors.js';
import { hasJinaColbertMarkers, JINA_COLBERT_MARKERS, readJsonObject, type TokenizerFiles } from '../model/index.js';

/**
 * How a ColBERT model encodes, as colbert-ai's ColBERTConfig says (its artifact.metadata), else
 * colbert-ai's defaults. Token ids are resolved against the model's own tokenizer.json.
 */
export interface LateInteractionSettings {
  /** Query length in tokens, special tokens and marker included: shorter queries are padded with [MASK], longer ones cut. */
  queryMaxLength: number;
  /** Document length at most, special tokens and marker included. */
  documentMaxLength: number;
  queryMarkerId: number;
  documentMarkerId: number;
  /** The id the query padding gets ([MASK]). */
  maskTokenId: number;
  /** true: the [MASK] padding of a query is attended to (attention mask 1); colbert-ai's default false. */
  attendToMaskTokens: boolean;
  /** true: document vectors of punctuation tokens are dropped (colbert-ai's default). */
  maskPunctuation: boolean;
  /** The words whose document vectors are dropped when maskPunctuation (colbert-ai: string.punctuation; PyLate: skiplist_words). */
  skiplist: readonly string[];
  /** false: queries are not padded with [MASK] (PyLate's do_query_expansion). */
  queryExpansion: boolean;
  /** Where the settings came from, for info and errors. */
  source: string;
}

/** colbert-ai's ColBERTConfig defaults. */
const DEFAULTS = { queryMaxLength: 32, documentMaxLength: 180, queryMarker: '[unused0]', documentMarker: '[unused1]', attendToMaskTokens: false, maskPunctuation: true };

/**
 * jinaai/jina-colbert-v2 without settings files: its added marker tokens, and the query padding
 * attended to (fastembed's JinaColbert sets a query's attention mask to 1 everywhere; PyLate's
 * documented loading passes attend_to_expansion_tokens=True). Query length 32 as jina documents.
 */
const JINA_DEFAULTS = { ...DEFAULTS, queryMarker: JINA_COLBERT_MARKERS.query, documentMarker: JINA_COLBERT_MARKERS.document, attendToMaskTokens: true };

/** Python's string.punctuation: colbert-ai drops document vectors of these characters' tokens. */
export const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * A PyLate model's config_sentence_transformers.json names its ColBERT settings (query_length and
 * document_length mark it); they are mapped onto colbert-ai's names.
 */
function pylateSettings(dir: string): { path: string; fields: Record<string, unknown> } | null {
  const path = join(dir, 'config_sentence_transformers.json');
  if (!existsSync(path)) return null;
  const config = readJsonObject(path);
  if (config.query_length === undefined && config.document_length === undefined) return null;
  return {
    path,
    fields: {
      query_maxlen: config.query_length,
      doc_maxlen: config.document_length,
      // PyLate's prefixes are tokens of the tokenizer ("[unused0]" in PyLate's colbertv2.0, "[Q] " as an added token in its own models).
      query_token_id: config.query_prefix,
      doc_token_id: config.document_prefix,
      attend_to_mask_tokens: config.attend_to_expansion_tokens,
      mask_punctuation: Array.isArray(config.skiplist_words) ? config.skiplist_words.length > 0 : undefined,
      skiplist: config.skiplist_words,
      query_expansion: config.do_query_expansion,
    },
  };
}

export function readLateInteractionSettings(files: TokenizerFiles): LateInteractionSettings {
  const metadataPath = join(files.dir, 'artifact.metadata');
  const pylate = existsSync(metadataPath) ? null : pylateSettings(files.dir);
  const metadata = existsSync(metadataPath) ? readJsonObject(metadataPath) : (pylate?.fields ?? {});
  const jina = !existsSync(metadataPath) && pylate === null && hasJinaColbertMarkers(files.dir);
  const defaults = jina ? JINA_DEFAULTS : DEFAULTS;
  const source = existsSync(metadataPath) ? metadataPath : (pylate?.path ?? (jina ? 'jina-colbert-v2 conventions' : 'colbert-ai defaults'));
  const tokenizerJson = readJsonObject(files.tokenizer);
  const tokenizerConfig = readJsonObject(files.tokenizerConfig);
  const tokenId = (value: unknown, field: string, fallback: string): number => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    const token = value === undefined ? fallback : value;
    if (typeof token !== 'string') throw new ModelFormatError(`${source}: ${field} must be a token or a token id, got ${JSON.stringify(value)}`);
    const id = idOfToken(tokenizerJson, token);
    if (id === undefined) throw new ModelFormatError(`${files.tokenizer}: has no token ${token} (${field})`);
    return id;
  };
  const length = (value: unknown, field: string, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 4) throw new ModelFormatError(`${source}: ${field} must be an integer of at least 4, got ${JSON.stringify(value)}`);
    return value;
  };
  const flag = (value: unknown, field: string, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw new ModelFormatError(`${source}: ${field} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  };
  const maskToken = tokenText(tokenizerConfig.mask_token) ?? '[MASK]';
  return {
    queryMaxLength: length(metadata.query_maxlen, 'query_maxlen', defaults.queryMaxLength),
    documentMaxLength: length(metadata.doc_maxlen, 'doc_maxlen', defaults.documentMaxLength),
    queryMarkerId: tokenId(metadata.query_token_id, 'query_token_id', defaults.queryMarker),
    documentMarkerId: tokenId(metadata.doc_token_id, 'doc_token_id', defaults.documentMarker),
    maskTokenId: tokenId(maskToken, 'mask_token', '[MASK]'),
    attendToMaskTokens: flag(metadata.attend_to_mask_tokens, 'attend_to_mask_tokens', defaults.attendToMaskTokens),
    maskPunctuation: flag(metadata.mask_punctuation, 'mask_punctuation', defaults.maskPunctuation),
    skiplist: words(metadata.skiplist, source) ?? [...PUNCTUATION],
    queryExpansion: flag(metadata.query_expansion, 'do_query_expansion', true),
    source,
  };
}

function words(value: unknown, source: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((word) => typeof word === 'string')) throw new ModelFormatError(`${source}: skiplist_words must be a list of strings`);
  return value as string[];
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/** The id of a token in tokenizer.json: an added token, else the model's vocabulary (WordPiece/BPE map, Unigram list). */
function idOfToken(tokenizerJson: Record<string, unknown>, token: string): number | undefined {
  const added = Array.isArray(tokenizerJson.added_tokens) ? (tokenizerJson.added_tokens as Array<{ id?: unknown; content?: unknown }>) : [];
  const match = added.find((entry) => entry.content === token && typeof entry.id === 'number');
  if (match) return match.id as number;
  const vocab = (tokenizerJson.model as { vocab?: unknown } | undefined)?.vocab;
  if (Array.isArray(vocab)) {
    const index = vocab.findIndex((entry) => Array.isArray(entry) && entry[0] === token);
    return index >= 0 ? index : undefined;
  }
  if (typeof vocab === 'object' && vocab !== null && Object.hasOwn(vocab, token)) {
    const id = (vocab as Record<string, unknown>)[token];
    return typeof id === 'number' ? id : undefined;
  }
  return undefined;
}
