import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.js';
import type { IndexDocument } from '../retrieve/searchIndex.js';
import type { Qrels } from './metrics.js';

/**
 * Readers for the BEIR dataset layout:
 *   corpus.jsonl      {"_id", "title", "text", "metadata"?} per line
 *   queries.jsonl     {"_id", "text"} per line
 *   qrels/<split>.tsv query-id <tab> corpus-id <tab> score, after a header line
 * Errors name the file and line.
 */

export interface BeirDataset {
  dir: string;
  corpusPath: string;
  /** Query id -> text, for the queries that have judgments in the split. */
  queries: Map<string, string>;
  qrels: Qrels;
}

async function* lines(path: string): AsyncGenerator<[lineNumber: number, line: string]> {
  if (!existsSync(path)) throw new InputError(`${path} does not exist`);
  if (!statSync(path).isFile()) throw new InputError(`${path} is not a file`);
  const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const read of reader) {
    lineNumber++;
    // A UTF-8 byte order mark (as some Windows editors write) is not part of the first line.
    const line = lineNumber === 1 && read.startsWith('\uFEFF') ? read.slice(1) : read;
    if (line.trim() !== '') yield [lineNumber, line];
  }
}

function parseObject(line: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new InputError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(`${where}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** BEIR ids are strings; a few corpora write them as numbers. */
function idOf(record: Record<string, unknown>, where: string): string {
  const id = record._id ?? record.id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  throw new InputError(`${where}: "_id" must be a non-empty string`);
}

/** The documents of a corpus.jsonl, one at a time (a corpus may not fit in memory). */
export async function* readCorpus(path: string): AsyncGenerator<IndexDocument> {
  for await (const [lineNumber, line] of lines(path)) {
    const where = `${path}:${lineNumber}`;
    const record = parseObject(line, where);
    const id = idOf(record, where);
    if (typeof record.text !== 'string') throw new InputError(`${where}: "text" must be a string`);
    if (record.title !== undefined && record.title !== null && typeof record.title !== 'string') throw new InputError(`${where}: "title" must be a string`);
    const metadata = record.metadata;
    if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
      throw new InputError(`${where}: "metadata" must be an object`);
    }
    yield {
      id,
      text: record.text,
      ...(typeof record.title === 'string' && record.title !== '' ? { title: record.title } : {}),
      ...(metadata ? { metadata: metadata as Record<string, unknown> } : {}),
    };
  }
}

/** Non-empty lines of a file: the number of documents of a corpus.jsonl, for a progress bar. */
export async function countRecords(path: string): Promise<number> {
  let count = 0;
  for await (const _ of lines(path)) count++;
  return count;
}

export async function readQueries(path: string): Promise<Map<string, string>> {
  const queries = new Map<string, string>();
  for await (const [lineNumber, line] of lines(path)) {
    const where = `${path}:${lineNumber}`;
    const record = parseObject(line, where);
    const id = idOf(record, where);
    if (typeof record.text !== 'string') throw new InputError(`${where}: "text" must be a string`);
    if (queries.has(id)) throw new InputError(`${where}: query ${id} appears twice`);
    queries.set(id, record.text);
  }
  return queries;
}

/** qrels/<split>.tsv: the header line is optional; a judgment given twice is an error, as in trec_eval. */
export async function readQrels(path: string): Promise<Qrels> {
  const qrels = new Map<string, Map<string, number>>();
  let first = true;
  for await (const [lineNumber, line] of lines(path)) {
    const where = `${path}:${lineNumber}`;
    const fields = line.split('\t').map((field) => field.trim());
    if (first) {
      first = false;
      if (fields.length >= 3 && !/^-?\d+$/.test(fields[2])) continue; // the header
    }
    if (fields.length !== 3) throw new InputError(`${where}: expected query-id, corpus-id and score separated by tabs`);
    const [queryId, documentId, scoreText] = fields;
    if (queryId === '' || documentId === '') throw new InputError(`${where}: empty query or corpus id`);
    if (!/^-?\d+$/.test(scoreText)) throw new InputError(`${where}: score ${JSON.stringify(scoreText)} is not an integer`);
    const judgments = qrels.get(queryId) ?? new Map<string, number>();
    if (judgments.has(documentId)) throw new InputError(`${where}: query ${queryId} judges document ${documentId} twice`);
    judgments.set(documentId, Number(scoreText));
    qrels.set(queryId, judgments);
  }
  if (qrels.size === 0) throw new InputError(`${path} holds no judgments`);
  return qrels;
}

/** Loads queries and judgments of a split; the corpus is left on disk, to be streamed. */
export async function loadBeirDataset(dir: string, split = 'test'): Promise<BeirDataset> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`dataset directory ${dir} does not exist`);
  if (!/^[\w.-]+$/.test(split)) throw new InputError(`split must be a plain file name, got ${split}`);
  const corpusPath = join(dir, 'corpus.jsonl');
  if (!existsSync(corpusPath)) throw new InputError(`${dir} is not a BEIR dataset: corpus.jsonl is missing`);
  const qrels = await readQrels(join(dir, 'qrels', `${split}.tsv`));
  const allQueries = await readQueries(join(dir, 'queries.jsonl'));
  const queries = new Map<string, string>();
  for (const queryId of qrels.keys()) {
    const text = allQueries.get(queryId);
    if (text === undefined) throw new InputError(`qrels/${split}.tsv judges query ${queryId}, which queries.jsonl does not have`);
    queries.set(queryId, text);
  }
  return { dir, corpusPath, queries, qrels };
}
