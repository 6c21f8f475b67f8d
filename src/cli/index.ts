import { Command } from 'commander';
import { InputError } from '../errors.js';
import { countRecords, readCorpus } from '../eval/beir.js';
import { Index } from '../retrieve/searchIndex.js';
import { positiveInteger } from './optionParsers.js';
import { OPTIONS } from './options.js';
import { progressBar } from './progress.js';

interface IndexFlags {
  index: string;
  embedModel?: string;
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
    .option('--docs-per-commit <n>', 'documents per transaction and embedding call', positiveInteger, 256)
    .option('--keep-stopwords', 'keep English stopwords in BM25 terms (a new index only)')
    .option('--delete <ids>', 'delete these comma-separated document ids instead of adding')
    .addOption(OPTIONS.threads('ONNX Runtime threads for embedding (default: all cores)'))
    .addOption(OPTIONS.quiet())
    .action(async (corpus: string | undefined, flags: IndexFlags) => {
      if ((corpus === undefined) === (flags.delete === undefined)) throw new InputError('give a corpus file to add, or --delete <ids>, not both');
      const index = await Index.open(flags.index, {
        embedModel: flags.embedModel,
        embedOptions: { threads: flags.threads, quiet: flags.quiet },
        stopwords: flags.keepStopwords ? false : undefined,
        create: corpus !== undefined,
      });
      try {
        if (flags.delete !== undefined) {
          const ids = flags.delete.split(',').map((id) => id.trim()).filter((id) => id !== '');
          const deleted = await index.delete(ids);
          process.stdout.write(`deleted ${deleted} of ${ids.length} documents from ${index.location} (${await index.count()} left)\n`);
          return;
        }
        const path = corpus as string;
        const total = await countRecords(path);
        const progress = progressBar('indexing', flags.quiet);
        const started = performance.now();
        let added: number;
        try {
          added = await index.addAll(readCorpus(path), { batchSize: flags.docsPerCommit, total, onProgress: (done) => progress.update(done, total) });
        } finally {
          progress.stop();
        }
        const seconds = (performance.now() - started) / 1000;
        const vectors = index.settings.embedding ? `, vectors by ${index.settings.embedding.model}` : ', BM25 only';
        process.stdout.write(
          `indexed ${added} documents into ${index.location} in ${seconds.toFixed(1)} s (${(added / Math.max(seconds, 1e-9)).toFixed(0)} documents/s${vectors}); ${await index.count()} in the index\n`,
        );
      } finally {
        await index.close();
      }
    });
}
