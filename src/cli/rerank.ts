import { Command, Option } from 'commander';
import { ACTIVATIONS, type Activation } from '../rerank/activation.js';
import { CrossEncoder } from '../rerank/crossEncoder.js';
import { checkQuery, documentText } from '../rerank/documents.js';
import { MODEL_VARIANTS, STARTER_MODEL_ID, type Device, type ModelVariant } from '../model/index.js';
import { TRUNCATION_STRATEGIES, type TruncationStrategy } from '../tokenize/truncation.js';
import { MODEL_HELP } from './modelHelp.js';
import { positiveInteger } from './optionParsers.js';
import { formatRankedTable } from './rankedTable.js';
import { readDocuments, type DocumentsFormat } from './readDocuments.js';
import { InputError } from '../errors.js';

interface RerankFlags {
  model: string;
  query: string;
  docs?: string;
  format?: DocumentsFormat;
  textField: string;
  topN?: number;
  json?: boolean;
  variant?: ModelVariant;
  maxLength?: number;
  truncation: TruncationStrategy;
  activation: Activation;
  threads?: number;
  device: Device;
  batchSize?: number;
  batchTokens?: number;
  chunk?: boolean;
  chunkWindow?: number;
  chunkStride?: number;
  maxChunks?: number;
}

export function rerankCommand(): Command {
  return new Command('rerank')
    .description('rank documents by relevance to a query with a cross-encoder')
    .option('-m, --model <dir|id>', MODEL_HELP, STARTER_MODEL_ID)
    .requiredOption('-q, --query <text>', 'the query')
    .option('-d, --docs <file>', 'documents, one per line: JSONL (string or {"text": ...}) or plain text; "-" reads stdin (the default when piped)')
    .addOption(new Option('--format <format>', 'documents format (default: from the file extension or first line)').choices(['jsonl', 'text']))
    .option('--text-field <name>', 'field of a JSONL object that holds the text', 'text')
    .option('-k, --top-n <k>', 'show only the best k documents', positiveInteger)
    .option('--json', 'print JSON [{"index", "score", "document"}] instead of a table')
    .addOption(new Option('--variant <variant>', 'weights to run (default: quantized where present, else fp32)').choices(MODEL_VARIANTS))
    .option('--max-length <n>', 'tokens per (query, document) pair (default: the model limit)', positiveInteger)
    .addOption(new Option('--truncation <strategy>', 'how a pair that does not fit is shortened').choices(TRUNCATION_STRATEGIES).default('longest_first'))
    .addOption(new Option('--activation <fn>', 'for one-label models: raw logit or sigmoid').choices(ACTIVATIONS).default('none'))
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)', positiveInteger)
    .addOption(new Option('--device <device>', 'where the model runs; cuda needs the CUDA build of onnxruntime-node (see README)').choices(['cpu', 'cuda']).default('cpu'))
    .option('--batch-size <n>', 'pairs per forward pass at most', positiveInteger)
    .option('--batch-tokens <n>', 'padded tokens per forward pass at most', positiveInteger)
    .option('--chunk', 'score long documents by their best sliding window instead of truncating them')
    .option('--chunk-window <tokens>', 'document tokens per window (default: all that fit)', positiveInteger)
    .option('--chunk-stride <tokens>', 'tokens between window starts (default: half a window)', positiveInteger)
    .option('--max-chunks <n>', 'windows per document at most (default 8)', positiveInteger)
    .action(async (flags: RerankFlags) => {
      const query = checkQuery(flags.query);
      const docsPath = flags.docs ?? (process.stdin.isTTY ? undefined : '-');
      if (docsPath === undefined) throw new InputError('no documents: pass --docs <file> or pipe them on stdin');
      const documents = await readDocuments({ path: docsPath, format: flags.format, textField: flags.textField });
      const chunkingAsked = flags.chunk || flags.chunkWindow !== undefined || flags.chunkStride !== undefined || flags.maxChunks !== undefined;

      const encoder = await CrossEncoder.load(flags.model, {
        variant: flags.variant,
        maxLength: flags.maxLength,
        truncation: flags.truncation,
        activation: flags.activation,
        threads: flags.threads,
        device: flags.device,
        maxBatchPairs: flags.batchSize,
        maxBatchTokens: flags.batchTokens,
        chunking: chunkingAsked ? { window: flags.chunkWindow, stride: flags.chunkStride, maxChunks: flags.maxChunks } : false,
      });
      try {
        const topN = Math.min(flags.topN ?? documents.length, documents.length);
        const results = await encoder.rerank(query, documents, { topN, returnDocuments: true, textField: flags.textField });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(results)}\n`);
        } else {
          const texts = documents.map((document, index) => documentText(document, index, flags.textField));
          process.stdout.write(`${formatRankedTable(results, texts, process.stdout.columns ?? 100)}\n`);
        }
      } finally {
        await encoder.close();
      }
    });
}
