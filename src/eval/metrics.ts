/**
 * Retrieval metrics computed as trec_eval 9.0.x computes them from a qrels file and a run file,
 * so that crossrank's figures equal `trec_eval -m ndcg_cut.10 -m recall.100 -m map` on the files
 * it writes (and `trec_eval -M 10 -m recip_rank` for MRR@10):
 *
 * - Order: a query's documents are sorted by score, descending; equal scores by document id,
 *   descending, compared byte by byte (trec_eval's comp_sim_docno). The run file's rank column
 *   is ignored, as trec_eval ignores it.
 * - Relevance: a qrels value >= 1 is relevant (trec_eval's default -l 1); 0 is judged not
 *   relevant; a document missing from the qrels is not relevant. Negative values are unjudged.
 * - nDCG@10 (ndcg_cut.10): gain = the qrels value itself (linear gain), discount log2(rank + 1),
 *   normalised by the ideal ordering of all judged documents of the query (not only those retrieved).
 * - MRR@10: 1 / rank of the first relevant document among the first 10, else 0
 *   (trec_eval's recip_rank over the run cut to 10 documents).
 * - Recall@100 (recall.100): relevant documents in the first 100 / relevant documents in the qrels.
 * - MAP (map): over the whole run: the sum of precision at each relevant retrieved document,
 *   divided by all relevant documents in the qrels.
 * - Which queries count: those with at least one qrels line (any value, 0 included) and at least one
 *   document in the run, as trec_eval does by default. A judged query without a relevant document
 *   scores 0 on every measure and stays in the mean. With `complete` (trec_eval -c) a judged query
 *   missing from the run counts too, as 0.
 */
import { InputError } from '../errors.js';

/** Judgments: query id -> document id -> relevance. */
export type Qrels = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** A retrieved document with its score. */
export interface RetrievedDocument {
  id: string;
  score: number;
}

/** A run: query id -> the documents retrieved for it (any order; they are sorted as trec_eval sorts). */
export type Run = ReadonlyMap<string, readonly RetrievedDocument[]>;

export interface Metrics {
  ndcg10: number;
  mrr10: number;
  recall100: number;
  map: number;
}

export const METRIC_NAMES: Record<keyof Metrics, string> = {
  ndcg10: 'nDCG@10',
  mrr10: 'MRR@10',
  recall100: 'Recall@100',
  map: 'MAP',
};

export interface RunEvaluation {
  /** The mean of each measure over the evaluated queries. */
  mean: Metrics;
  /** Each evaluated query's measures. */
  perQuery: Map<string, Metrics>;
  /** Queries in the mean. */
  evaluated: number;
  /** Queries in the qrels. */
  judged: number;
}

/** Compares two ids as C's strcmp compares their UTF-8 bytes (the same as comparing code points). */
export function compareIdBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++; // a surrogate pair: both strings hold the same pair here
  }
  return a.length - b.length;
}

/** trec_eval's order: score descending, then document id descending. */
export function trecOrder(documents: readonly RetrievedDocument[]): RetrievedDocument[] {
  return [...documents].sort((a, b) => (a.score > b.score ? -1 : a.score < b.score ? 1 : compareIdBytes(b.id, a.id)));
}

/** The measures of one query, from its judgments and its retrieved documents. */
export function evaluateQuery(judgments: ReadonlyMap<string, number>, retrieved: readonly RetrievedDocument[]): Metrics {
  const ranked = trecOrder(retrieved);
  const relevance = ranked.map((document) => judgments.get(document.id) ?? 0);
  const gains = [...judgments.values()].filter((value) => value > 0);
  const relevantCount = gains.length;

  let dcg = 0;
  for (let i = 0; i < Math.min(10, relevance.length); i++) if (relevance[i] > 0) dcg += relevance[i] / Math.log2(i + 2);
  const ideal = gains.sort((a, b) => b - a).slice(0, 10);
  const idcg = ideal.reduce((sum, gain, i) => sum + gain / Math.log2(i + 2), 0);

  const firstRelevant = relevance.slice(0, 10).findIndex((value) => value >= 1);

  let found = 0;
  let precisionSum = 0;
  let foundIn100 = 0;
  relevance.forEach((value, i) => {
    if (value < 1) return;
    found++;
    precisionSum += found / (i + 1);
    if (i < 100) foundIn100++;
  });

  return {
    ndcg10: idcg > 0 ? dcg / idcg : 0,
    mrr10: firstRelevant >= 0 ? 1 / (firstRelevant + 1) : 0,
    recall100: relevantCount > 0 ? foundIn100 / relevantCount : 0,
    map: relevantCount > 0 ? precisionSum / relevantCount : 0,
  };
}

const ZERO: Metrics = { ndcg10: 0, mrr10: 0, recall100: 0, map: 0 };

/** Evaluates a run against qrels; see the top of this file for which queries count. */
export function evaluateRun(qrels: Qrels, run: Run, options: { complete?: boolean } = {}): RunEvaluation {
  const perQuery = new Map<string, Metrics>();
  for (const [queryId, judgments] of qrels) {
    const retrieved = run.get(queryId);
    if (retrieved === undefined || retrieved.length === 0) {
      if (options.complete) perQuery.set(queryId, { ...ZERO });
      continue;
    }
    const ids = new Set(retrieved.map((document) => document.id));
    if (ids.size !== retrieved.length) throw new InputError(`the run retrieves a document twice for query ${queryId}`);
    perQuery.set(queryId, evaluateQuery(judgments, retrieved));
  }
  const mean = { ...ZERO };
  for (const metrics of perQuery.values()) for (const key of Object.keys(mean) as (keyof Metrics)[]) mean[key] += metrics[key];
  if (perQuery.size > 0) for (const key of Object.keys(mean) as (keyof Metrics)[]) mean[key] /= perQuery.size;
  return { mean, perQuery, evaluated: perQuery.size, judged: qrels.size };
}
