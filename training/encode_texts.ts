/**
 * Tokenizes the training texts with crossrank's own encoder (the real bert-base-uncased
 * tokenizer, exactly as at inference), so the Python trainer needs no tokenizer of its own.
 *
 *   npx tsx training/encode_texts.ts [--data training/data]
 *
 * Writes encoded.json: { queries: {text: ids}, passages: {name: ids} } (ids without special tokens), a
 * name being a package (train.jsonl, dev.jsonl) or a documentation section id (docs.jsonl).
 */
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readJsonObject } from '../src/model/index.js';
import { PairEncoder } from '../src/tokenize/pairEncoder.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { data: { type: 'string', default: join(repo, 'training/data') }, 'max-passage': { type: 'string', default: '256' } } });
const vocab = join(repo, 'assets/vocab/bert-base-uncased');
const encoder = PairEncoder.fromJson(readJsonObject(join(vocab, 'tokenizer.json')), readJsonObject(join(vocab, 'tokenizer_config.json')));
const maxPassage = Number(values['max-passage']);

async function* jsonLines(path: string): AsyncGenerator<Record<string, unknown>> {
  for await (const line of createInterface({ input: createReadStream(path) })) if (line.trim()) yield JSON.parse(line) as Record<string, unknown>;
}

const passages: Record<string, number[]> = {};
const queries: Record<string, number[]> = {};
for (const split of ['train.jsonl', 'dev.jsonl']) {
  for await (const r of jsonLines(join(values.data!, split))) {
    passages[String(r.package)] = encoder.encodeText(String(r.description)).ids.slice(0, maxPassage);
    for (const q of [r.synopsis, r.keywords]) if (typeof q === 'string') queries[q] ??= encoder.encodeText(q).ids.slice(0, 64);
  }
}
const docs = join(values.data!, 'docs.jsonl');
if (existsSync(docs)) {
  for await (const r of jsonLines(docs)) {
    passages[String(r.id)] = encoder.encodeText(String(r.text)).ids.slice(0, maxPassage);
    for (const q of r.queries as unknown[]) if (typeof q === 'string') queries[q] ??= encoder.encodeText(q).ids.slice(0, 64);
  }
}
for await (const g of jsonLines(join(values.data!, 'groups.jsonl'))) {
  const q = String(g.query);
  queries[q] ??= encoder.encodeText(q).ids.slice(0, 64);
}
writeFileSync(join(values.data!, 'encoded.json'), JSON.stringify({ queries, passages }));
console.log(JSON.stringify({ queries: Object.keys(queries).length, passages: Object.keys(passages).length }));
