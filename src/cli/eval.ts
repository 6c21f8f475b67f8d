import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Command } from 'commander';
import { InputError } from '../errors.js';
import { countRecords, loadBeirDataset, readCorpus } from '../eval/beir.js';
import { evaluatePipeline, rerankedRuns, type PipelineEvaluation } from '../eval/evaluate.js';
import { METRIC_NAMES, type Metrics } from '../eval/metrics.js';
import { formatP, renderReport } from '../eval/report.js';
import { winLoss, type WinLoss } from '../eval/winLoss.js';
import { writeTrecRun } from '../eval/trecRun.js';
import { Pipeline } from '../pipeline/pipeline.js';
import type { ModelVariant } from '../rerank/crossEncoder.js';
import { LateInteractionModel } from '../rerank/lateInteraction.js';
import { loadReranker } from '../rerank/loadReranker.js';
import { FIRST_STAGES, Index, type FirstStage } from '../retrieve/searchIndex.js';
import { OPTIONS, RERANK_MODEL_ALIAS, chunkOptions, chunkingFrom, type ChunkFlags } from './options.js';
import { progressBar } from './progress.js';

interface EvalFlags extends ChunkFlags {
  dataset: string;
  split: string;
  index?: string;
  embedModel?: string;
  lateInteractionModel?: string;
  model?: string;
  rerankModel?: string;
  firstStage?: string;
  candidates: number;
  out: string;
  complete?: boolean;
  threads?: number;
  firstStageWeight?: number;
  variant?: ModelVariant;
  quiet?: boolean;
}

function parseStages(value: string): FirstStage[] {
  const stages = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const stage of stages) {
    if (!FIRST_STAGES.includes(stage as FirstStage)) throw new InputError(`--first-stage: ${stage} is not one of ${FIRST_STAGES.join(', ')}`);
  }
  if (stages.length === 0) throw new InputError('--first-stage names no stage');
  return [...new Set(stages)] as FirstStage[];
}

function summaryTable(evaluation: PipelineEvaluation): string {
  const metrics = Object.keys(METRIC_NAMES) as (keyof Metrics)[];
  const nameWidth = Math.max(4, ...evaluation.runs.map((run) => run.name.length));
  const header = ['run'.padEnd(nameWidth), ...metrics.map((m) => METRIC_NAMES[m].padStart(10)), 'queries'.padStart(9), 'ms/query'.padStart(9)].join('  ');
  const rows = evaluation.runs.map((run) =>
    [
      run.name.padEnd(nameWidth),
      ...metrics.map((m) => run.evaluation.mean[m].toFixed(4).padStart(10)),
      `${run.evaluation.evaluated}/${run.evaluation.judged}`.padStart(9),
      run.msPerQuery.toFixed(1).padStart(9),
    ].join('  '),
  );
  const comparisons = rerankComparisons(evaluation).map(
    ({ run, base, result }) =>
      `${run} vs ${base}, nDCG@10 per query: ${result.better} better, ${result.worse} worse, ${result.unchanged} unchanged (sign test p = ${formatP(result.signTestP)})`,
  );
  return [header, ...rows, ...(comparisons.length ? ['', ...comparisons] : [])].join('\n');
}

/** Each reranked run against the first stage it reranked. */
function rerankComparisons(evaluation: PipelineEvaluation): Array<{ run: string; base: string; result: WinLoss }> {
  return rerankedRuns(evaluation.runs).map(({ before, after }) => ({ run: after.name, base: before.name, result: winLoss(before.evaluation, after.evaluation) }));
}

export function evalCommand(): Command {
  const command = new Command('eval')
    .description('evaluate first stages and reranking on a BEIR-format dataset: nDCG@10, MRR@10, Recall@100, MAP as trec_eval computes them')
    .requiredOption('--dataset <dir>', 'BEIR dataset directory: corpus.jsonl, queries.jsonl, qrels/<split>.tsv')
    .option('--split <name>', 'qrels split', 'test')
    .addOption(OPTIONS.index('index of the corpus (built there from corpus.jsonl if it holds none; default: a temporary SQLite index)'))
    .addOption(OPTIONS.embedModel('embedding model, for dense and hybrid first stages'))
    .addOption(OPTIONS.lateInteractionModel('late-interaction (ColBERT) model whose token vectors a new index stores, for the late and hybrid first stages'))
    .addOption(OPTIONS.model(undefined, 'cross-encoder to rerank the candidates: a model directory or hub id, e.g. crossrank/starter-en (without one, only first stages are evaluated)'))
    .addOption(RERANK_MODEL_ALIAS())
    .option('--first-stage <list>', 'comma-separated stages among bm25, dense, late, hybrid (default: bm25, and dense, late and hybrid where the index has their vectors)')
    .addOption(OPTIONS.candidates('first-stage depth: documents per query in the run and candidates reranked'))
    .addOption(OPTIONS.variant("the reranker's weights (default: quantized where present, else fp32)"))
    .addOption(OPTIONS.firstStageWeight("also evaluate the reranked order mixed with the first stage at this weight (as search --first-stage-weight; default: the reranker's recommended weight, if it has one); same rerank scores, no second pass"))
    .option('-o, --out <dir>', 'where metrics.json, runs/*.trec and report.html go', 'crossrank-eval')
    .option('--complete', 'average over every judged query, a query without results counting 0 (trec_eval -c)');
  for (const option of chunkOptions()) command.addOption(option);
  return command
    .addOption(OPTIONS.threads())
    .addOption(OPTIONS.quiet())
    .action(async (flags: EvalFlags) => {
      const dataset = await loadBeirDataset(flags.dataset, flags.split);
      const requestedStages = flags.firstStage === undefined ? undefined : parseStages(flags.firstStage);
      const temporary = flags.index === undefined ? mkdtempSync(join(tmpdir(), 'crossrank-eval-')) : null;
      const location = flags.index ?? join(temporary as string, 'index.sqlite');
      try {
        const lateOptions = { threads: flags.threads, quiet: flags.quiet };
        const lateInteractionModel = flags.lateInteractionModel === undefined ? undefined : await LateInteractionModel.load(flags.lateInteractionModel, lateOptions);
        const index = await Index.open(location, {
          embedModel: flags.embedModel,
          embedOptions: lateOptions,
          lateInteractionModel,
          loadLateInteractionModel: (dir) => LateInteractionModel.load(dir, lateOptions),
        }).catch(async (error: unknown) => {
          await lateInteractionModel?.close();
          throw error;
        });
        let pipeline: Pipeline | null = null;
        try {
          if ((await index.count()) === 0) {
            const total = await countRecords(dataset.corpusPath);
            const progress = progressBar('indexing', flags.quiet);
            try {
              await index.addAll(readCorpus(dataset.corpusPath), { total, onProgress: (done) => progress.update(done, total) });
            } finally {
              progress.stop();
            }
          }
          const stages =
            requestedStages ??
            (['bm25', ...(index.hasVectors ? ['dense'] : []), ...(index.hasTokenVectors ? ['late'] : []), ...(index.hasVectors || index.hasTokenVectors ? ['hybrid'] : [])] as FirstStage[]);
          const rerankModel = flags.model ?? flags.rerankModel;
          const reranker = rerankModel ? await loadReranker(rerankModel, { threads: flags.threads, variant: flags.variant, chunking: chunkingFrom(flags), quiet: flags.quiet }) : null;
          pipeline = new Pipeline(index, reranker, { index: false, reranker: true });
          const progress = progressBar('evaluating', flags.quiet);
          let evaluation: PipelineEvaluation;
          try {
            evaluation = await evaluatePipeline(pipeline, dataset, {
              stages,
              candidates: flags.candidates,
              complete: flags.complete,
              firstStageWeight: flags.firstStageWeight,
              onProgress: (done, total) => progress.update(done, total),
            });
          } finally {
            progress.stop();
          }
          writeOutputs(flags, dataset.dir, location, index, evaluation, dataset.queries);
          process.stdout.write(`${summaryTable(evaluation)}\nwrote ${join(flags.out, 'metrics.json')}, ${join(flags.out, 'runs')}/*.trec and ${join(flags.out, 'report.html')}\n`);
        } finally {
          await pipeline?.close();
          await index.close();
          await lateInteractionModel?.close();
        }
      } finally {
        if (temporary) rmSync(temporary, { recursive: true, force: true });
      }
    });
}

function writeOutputs(
  flags: EvalFlags,
  datasetDir: string,
  location: string,
  index: Index,
  evaluation: PipelineEvaluation,
  queries: ReadonlyMap<string, string>,
): void {
  const out = flags.out;
  mkdirSync(join(out, 'runs'), { recursive: true });
  for (const run of evaluation.runs) writeTrecRun(join(out, 'runs', `${run.name}.trec`), run.run, `crossrank-${run.name}`);
  const settings: Record<string, string> = {
    dataset: `${resolve(datasetDir)} (split ${flags.split})`,
    index: flags.index === undefined ? 'temporary SQLite index' : location,
    'embedding model': index.settings.embedding?.model ?? 'none (BM25 only)',
    reranker: (flags.model ?? flags.rerankModel) ? `${flags.model ?? flags.rerankModel}${flags.variant ? ` (${flags.variant})` : ''}` : 'none',
    candidates: String(evaluation.candidates),
    queries: flags.complete ? 'every judged query (trec_eval -c)' : 'judged queries with results (trec_eval default)',
    date: new Date().toISOString(),
  };
  const metrics = {
    settings,
    runs: evaluation.runs.map((run) => ({
      name: run.name,
      stage: run.stage,
      reranked: run.reranked,
      mean: run.evaluation.mean,
      evaluated: run.evaluation.evaluated,
      judged: run.evaluation.judged,
      msPerQuery: run.msPerQuery,
      perQuery: Object.fromEntries(run.evaluation.perQuery),
    })),
    rerankVsFirstStage: rerankComparisons(evaluation),
  };
  writeFileSync(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  writeFileSync(join(out, 'report.html'), renderReport({ title: `crossrank evaluation: ${basename(resolve(datasetDir))}`, settings, runs: evaluation.runs, queries }));
}
