import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { RerankDocument } from '../rerank/documents.js';

export type DocumentsFormat = 'jsonl' | 'text';

export interface DocumentSource {
  /** A file path, or `-` for standard input. */
  path: string;
  format?: DocumentsFormat;
  /** The field of a JSONL object that holds the text. */
  textField: string;
}

async function readAll(path: string): Promise<string> {
  if (path !== '-') {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(code === 'ENOENT' ? `documents file ${path} does not exist` : `documents file ${path} cannot be read (${code})`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The format of a documents file: its extension decides (.jsonl / .ndjson / .json are JSONL);
 * otherwise (standard input, .txt) the first non-empty line does: a JSON string or object means JSONL.
 */
function detectFormat(path: string, lines: string[]): DocumentsFormat {
  if (/\.(jsonl|ndjson|json)$/i.test(path)) return 'jsonl';
  if (/\.txt$/i.test(path)) return 'text';
  const first = lines.find((line) => line.trim() !== '');
  if (first === undefined) return 'text';
  try {
    const value: unknown = JSON.parse(first);
    return typeof value === 'string' || (typeof value === 'object' && value !== null && !Array.isArray(value)) ? 'jsonl' : 'text';
  } catch {
    return 'text';
  }
}

/**
 * Documents to rerank, one per line: JSONL (a JSON string, or an object whose text field holds
 * the text) or plain text. Blank lines are skipped. Errors name the line.
 */
export async function readDocuments(source: DocumentSource): Promise<RerankDocument[]> {
  const name = source.path === '-' ? 'stdin' : source.path;
  // A UTF-8 byte order mark (as some Windows editors write) is not part of the first line.
  const lines = (await readAll(source.path)).replace(/^\uFEFF/, '').split(/\r?\n/);
  const format = source.format ?? detectFormat(source.path, lines);
  const documents: RerankDocument[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    if (format === 'text') {
      documents.push(line);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(`${name}:${i + 1}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof value === 'string') documents.push(value);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Record<string, unknown>)[source.textField] === 'string') {
      documents.push(value as Record<string, unknown>);
    } else {
      throw new InputError(`${name}:${i + 1}: a document must be a JSON string or an object with a string "${source.textField}" field`);
    }
  });
  if (documents.length === 0) throw new InputError(`no documents in ${name}`);
  return documents;
}
