import { writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { trecOrder, type Run } from './metrics.js';

/**
 * A run in TREC format, one line per retrieved document: `qid Q0 docid rank score tag`, each
 * query's documents in trec_eval's order (score descending, ties by docid descending), ranks from 1.
 * Scores are written in JavaScript's shortest round-trip form, so trec_eval reads back the very
 * doubles crossrank evaluated and sorts ties the same way.
 */
export function formatTrecRun(run: Run, tag: string): string {
  checkField(tag, 'run tag');
  const lines: string[] = [];
  for (const [queryId, documents] of run) {
    checkField(queryId, 'query id');
    trecOrder(documents).forEach((document, i) => {
      checkField(document.id, 'document id');
      if (!Number.isFinite(document.score)) throw new InputError(`query ${queryId}, document ${document.id}: score ${document.score} is not a finite number`);
      lines.push(`${queryId} Q0 ${document.id} ${i + 1} ${String(document.score)} ${tag}`);
    });
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function writeTrecRun(path: string, run: Run, tag: string): void {
  writeFileSync(path, formatTrecRun(run, tag));
}

/** TREC files are split on whitespace: an id with a space in it would shift every column after it. */
function checkField(value: string, what: string): void {
  if (value === '' || /\s/.test(value)) throw new InputError(`${what} ${JSON.stringify(value)} cannot be written to a TREC run file (empty or has whitespace)`);
}
