import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Command } from 'commander';
import { InputError } from '../errors.js';
import { readCorpus } from '../eval/beir.js';
import { LateInteractionModel } from '../rerank/lateInteraction.js';
import { Index } from '../retrieve/searchIndex.js';
import { positiveInteger } from './optionParsers.js';
import { OPTIONS } from './options.js';
import { progressBar } from './progress.js';

interface IndexFlags {
  index: string;
  embedModel?: string;
  lateInteractionModel?: string;
  docsPerCommit: number;
  keepStopwords?: boolean;
  delete?: string;
  threads?: number;
  quiet?: boolean;
}

export function indexCommand(): Command {
  return new Command('index')
    .description('add the documents of a BEIR corpus.jsonl to a search index (created if needed), or delete documents from it')
    .argument('[corpus]', 'corpus.jsonl: one {"_id", "title"?, "text", "metadata"?} per line')
    .addOption(OPTIONS.index('SQLite index file, or postgres://user@host/db[?schema=name] for PostgreSQL with pgvector').makeOptionMandatory())
    .addOption(OPTIONS.embedModel('embedding model (sentence-transformers ONNX layout; a directory or hub id) for dense search; a new index only'))
    .addOption(OPTIONS.lateInteractionModel('late-interaction (ColBERT) model: store each document\'s token vectors (int8) for --first-stage late and for reranking with it without encoding documents; a new index only'))
    .option('--docs-per-commit <n>', 'documents per embedding call and write (the whole run is one transaction)', positiveInteger, 256)
    .option('--keep-stopwords', 'keep English stopwords in BM25 terms (a new index only)')
    .option('--delete <ids>', 'delete these comma-separated document ids instead of adding')
    .addOption(OPTIONS.threads('ONNX Runtime threads for embedding (default: all cores)'))
    .addOption(OPTIONS.quiet())
    .action(async (corpus: string | undefined, flags: IndexFlags) => {
      if ((corpus === undefined) === (flags.delete === undefined)) throw new InputError('give a corpus file to add, or --delete <ids>, not both');
      const created = isNewIndexFile(flags.index);
      // Every line is read and checked before the index is touched: a bad line commits nothing and creates no file.
      const total = corpus !== undefined ? await checkedCorpusSize(corpus).catch((error: unknown) => Promise.reject(sayNothingAdded(error, created))) : 0;
      let closed = false;
      const lateOptions = { threads: flags.threads, quiet: flags.quiet };
      const lateInteractionModel = flags.lateInteractionModel === undefined ? undefined : await LateInteractionModel.load(flags.lateInteractionModel, lateOptions);
      const index = await Index.open(flags.index, {
        embedModel: flags.embedModel,
        lateInteractionModel,
        loadLateInteractionModel: (dir) => LateInteractionModel.load(dir, lateOptions),
        embedOptions: { threads: flags.threads, quiet: flags.quiet },
        stopwords: flags.keepStopwords ? false : undefined,
        create: corpus !== undefined,
      }).catch(async (error: unknown) => {
        await lateInteractionModel?.close();
        throw await undoNewIndex(error, flags.index, created);
      });
      try {
        if (flags.delete !== undefined) {
          const ids = flags.delete.split(',').map((id) => id.trim()).filter((id) => id !== '');
          const deleted = await index.delete(ids);
          process.stdout.write(`deleted ${deleted} of ${ids.length} documents from ${index.location} (${await index.count()} left)\n`);
          return;
        }
        const path = corpus as string;
        const progress = progressBar('indexing', flags.quiet);
        const started = performance.now();
        let added: number;
        try {
          added = await index.addAll(readCorpus(path), { batchSize: flags.docsPerCommit, total, onProgress: (done) => progress.update(done, total) });
        } catch (error) {
          await index.close();
          closed = true;
          throw sayNothingAdded(await undoNewIndex(error, flags.index, created), created);
        } finally {
          progress.stop();
        }
        const seconds = (performance.now() - started) / 1000;
        const late = index.settings.lateInteraction;
        const vectors = `${index.settings.embedding ? `, vectors by ${index.settings.embedding.model}` : ''}${late ? `, token vectors (${late.codec}, ${late.dimension + 4} bytes per token) by ${late.model}` : ''}` || ', BM25 only';
        process.stdout.write(
          `indexed ${added} documents into ${index.location} in ${seconds.toFixed(1)} s (${(added / Math.max(seconds, 1e-9)).toFixed(0)} documents/s${vectors}); ${await index.count()} in the index\n`,
        );
      } finally {
        if (!closed) await index.close();
        await lateInteractionModel?.close();
      }
    });
}

/** The documents of a corpus, every line read and checked (an error names the line and why). */
async function checkedCorpusSize(path: string): Promise<number> {
  let count = 0;
  for await (const _ of readCorpus(path)) count++;
  return count;
}

/** Whether `location` names an SQLite file that does not exist yet (this run creates it). */
function isNewIndexFile(location: string): boolean {
  return !/^postgres(ql)?:\/\//i.test(location) && !existsSync(location);
}

/** A failed run added nothing to an index that was there (Index.addAll is all or nothing): the error says so. */
function sayNothingAdded(error: unknown, created: boolean): unknown {
  if (!created && error instanceof Error) error.message = `${error.message} (nothing was added to the index)`;
  return error;
}

/**
 * After a failed run: an index file this run created is removed (with SQLite's journal files), so
 * that a failure leaves nothing behind; the error then says so.
 */
async function undoNewIndex(error: unknown, location: string, created: boolean): Promise<unknown> {
  // Nothing to undo where the run failed before making the file (a location refused as a URL, say).
  if (!created || !(error instanceof Error) || !existsSync(location)) return error;
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(`${location}${suffix}`, { force: true });
  error.message = `${error.message} (nothing was indexed: the new index ${location} was removed)`;
  return error;
}
