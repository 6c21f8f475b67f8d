import { Command, Option } from 'commander';
import type { Activation } from '../rerank/activation.js';
import { CrossEncoder, STARTER_MODEL_ID } from '../rerank/crossEncoder.js';
import { LlmReranker } from '../rerank/llmReranker.js';
import { loadReranker } from '../rerank/loadReranker.js';
import { checkQuery, documentText } from '../rerank/documents.js';
import { engineOptions, engineSettingsFrom, OPTIONS, type EngineFlags } from './options.js';
import { formatRankedTable } from './rankedTable.js';
import { readDocuments, type DocumentsFormat } from './readDocuments.js';
import { InputError } from '../errors.js';

interface RerankFlags extends EngineFlags {
  model: string;
  query: string;
  docs?: string;
  format?: DocumentsFormat;
  textField: string;
  topN?: number;
  json?: boolean;
  activation: Activation;
  lexicalWeight?: number;
}

export function rerankCommand(): Command {
  const command = new Command('rerank')
    .description('rank documents by relevance to a query with a cross-encoder, a late-interaction (ColBERT) model or an LLM reranker (Qwen3-Reranker, mxbai-rerank-v2, bge-reranker-v2-gemma)')
    .addOption(OPTIONS.model(STARTER_MODEL_ID))
    .requiredOption('-q, --query <text>', 'the query')
    .option('-d, --docs <file>', 'documents, one per line: JSONL (string or {"text": ...}) or plain text; "-" reads stdin (the default when piped)')
    .addOption(new Option('--format <format>', 'documents format (default: from the file extension or first line)').choices(['jsonl', 'text']))
    .option('--text-field <name>', 'field of a JSONL object that holds the text', 'text')
    .addOption(OPTIONS.topN('show only the best k documents'))
    .addOption(OPTIONS.json('print JSON [{"index", "score", "document"}] instead of a table'))
    .addOption(OPTIONS.activation())
    .addOption(OPTIONS.lexicalWeight());
  for (const option of engineOptions()) command.addOption(option);
  return command.action(async (flags: RerankFlags) => {
    const query = checkQuery(flags.query);
    const docsPath = flags.docs ?? (process.stdin.isTTY ? undefined : '-');
    if (docsPath === undefined) throw new InputError('no documents: pass --docs <file> or pipe them on stdin');
    const documents = await readDocuments({ path: docsPath, format: flags.format, textField: flags.textField });

    const encoder = await loadReranker(flags.model, { ...engineSettingsFrom(flags), activation: flags.activation });
    try {
      if (!(encoder instanceof LlmReranker) && (flags.instruction !== undefined || flags.promptFormat !== undefined)) {
        const kind = encoder instanceof CrossEncoder ? 'a cross-encoder' : 'a late-interaction model';
        throw new InputError(`--instruction and --prompt-format are for LLM rerankers; ${flags.model} is ${kind}`);
      }
      const topN = Math.min(flags.topN ?? documents.length, documents.length);
      const results = await encoder.rerank(query, documents, { topN, returnDocuments: true, textField: flags.textField, lexicalWeight: flags.lexicalWeight });
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
