import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { Pipeline, type SearchHit } from '../pipeline/pipeline.js';
import { FIRST_STAGES, type FirstStage } from '../retrieve/searchIndex.js';
import type { ModelVariant } from '../rerank/crossEncoder.js';
import { checkQuery } from '../rerank/documents.js';
import { OPTIONS, RERANK_MODEL_ALIAS } from './options.js';
import { preview } from './rankedTable.js';

interface SearchFlags {
  index: string;
  firstStage?: FirstStage;
  candidates: number;
  model?: string;
  rerankModel?: string;
  embedModel?: string;
  topN: number;
  json?: boolean;
  variant?: ModelVariant;
  threads?: number;
  firstStageWeight?: number;
  quiet?: boolean;
}

/**
 * rank, id, the mixed score where rerank and first stage were mixed (the order is by it), the
 * reranker's score, the first stage's score and rank, and the start of the document.
 */
export function formatHits(hits: readonly SearchHit[], columns: number): string {
  const idWidth = Math.max(2, ...hits.map((hit) => hit.id.length));
  const stage = hits[0]?.firstStage.stage ?? 'first stage';
  const mixed = hits.some((hit) => hit.rerankScore !== null && hit.score !== hit.rerankScore);
  const header = `${'rank'.padStart(4)}  ${'id'.padEnd(idWidth)}  ${mixed ? `${'mixed'.padStart(9)}  ` : ''}${'rerank'.padStart(10)}  ${`${stage} (rank)`.padStart(18)}  document`;
  const textWidth = Math.max(20, columns - header.length + 'document'.length);
  const rows = hits.map((hit) =>
    [
      String(hit.rank).padStart(4),
      hit.id.padEnd(idWidth),
      ...(mixed ? [hit.score.toFixed(4).padStart(9)] : []),
      (hit.rerankScore === null ? '-' : hit.rerankScore.toFixed(6)).padStart(10),
      `${hit.firstStage.score.toFixed(4)} (${hit.firstStage.rank})`.padStart(18),
      preview(hit.title ? `${hit.title}: ${hit.text}` : hit.text, textWidth),
    ].join('  '),
  );
  return [header, ...rows].join('\n');
}

export function searchCommand(): Command {
  return new Command('search')
    .description('search an index: first-stage candidates (BM25, dense or hybrid), reordered by a cross-encoder')
    .argument('<query>', 'the query')
    .addOption(OPTIONS.index('index built by `crossrank index` (SQLite file or postgres:// URL)').makeOptionMandatory())
    .addOption(new Option('--first-stage <stage>', 'candidates by BM25, by embedding similarity, by late interaction (MaxSim over stored token vectors, an exact scan), or BM25 fused with the vector stages the index has (default: hybrid where the index has vectors, else bm25)').choices(FIRST_STAGES))
    .addOption(OPTIONS.candidates('first-stage candidates to rerank'))
    .addOption(OPTIONS.model(undefined, 'cross-encoder that reorders the candidates: a model directory or hub id, e.g. crossrank/starter-en, the offline starter model (without one, the first stage order is shown)'))
    .addOption(RERANK_MODEL_ALIAS())
    .addOption(OPTIONS.firstStageWeight("mix the first stage's score into the final order: standardised rerank + w x standardised first-stage score (default: the reranker's recommended weight, 1 for crossrank/starter-en; else 0, the reranker's order alone)"))
    .addOption(OPTIONS.embedModel('embedding model for the query (default: the one the index was built with)'))
    .addOption(OPTIONS.topN('results to show', 10))
    .addOption(OPTIONS.json('print JSON [{rank, id, title, text, metadata, firstStage: {stage, rank, score}, rerankScore, score}]'))
    .addOption(OPTIONS.variant("the reranker's weights (default: quantized where present, else fp32)"))
    .addOption(OPTIONS.threads())
    .addOption(OPTIONS.quiet())
    .action(async (query: string, flags: SearchFlags) => {
      checkQuery(query);
      const pipeline = await Pipeline.open(flags.index, {
        embedModel: flags.embedModel,
        embedOptions: { threads: flags.threads, quiet: flags.quiet },
        rerankModel: flags.model ?? flags.rerankModel,
        rerankOptions: { threads: flags.threads, variant: flags.variant, quiet: flags.quiet },
      });
      try {
        const hits = await pipeline.search(query, {
          firstStage: flags.firstStage,
          candidates: flags.candidates,
          topN: flags.topN,
          firstStageWeight: flags.firstStageWeight,
        });
        if (flags.json) writeJsonArray(hits);
        else process.stdout.write(`${hits.length === 0 ? 'no documents match' : formatHits(hits, process.stdout.columns ?? 120)}\n`);
      } finally {
        await pipeline.close();
      }
    });
}

/**
 * A JSON array on stdout, one item at a time, and a huge text in slices: serialising a 50 MB
 * document whole (and concatenating it into the array) would copy it twice more.
 */
function writeJsonArray(items: readonly unknown[]): void {
  const placeholder = `"${randomUUID()}"`;
  process.stdout.write('[');
  items.forEach((item, i) => {
    if (i > 0) process.stdout.write(',');
    let huge = '';
    const json = JSON.stringify(item, (key, value: unknown) => {
      if (key !== 'text' || typeof value !== 'string' || value.length <= HUGE_TEXT_CHARACTERS) return value;
      huge = value;
      return placeholder.slice(1, -1);
    });
    if (huge === '') return void process.stdout.write(json);
    const at = json.indexOf(placeholder);
    process.stdout.write(json.slice(0, at));
    writeJsonString(huge);
    process.stdout.write(json.slice(at + placeholder.length));
  });
  process.stdout.write(']\n');
}

const HUGE_TEXT_CHARACTERS = 1 << 20;

/** A JSON string literal written a slice at a time; a slice never ends between the halves of a surrogate pair. */
function writeJsonString(text: string): void {
  process.stdout.write('"');
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + HUGE_TEXT_CHARACTERS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    process.stdout.write(JSON.stringify(text.slice(start, end)).slice(1, -1));
    start = end;
  }
  process.stdout.write('"');
}
