import { Command } from 'commander';
import { STARTER_MODEL_ID, type TruncationStrategy } from '../rerank/crossEncoder.js';
import { checkQuery } from '../rerank/documents.js';
import { loadPairTokenizer } from '../rerank/pairTokenizer.js';
import { OPTIONS } from './options.js';

interface TokenizeFlags {
  model: string;
  query: string;
  doc: string;
  maxLength?: number;
  truncation: TruncationStrategy;
  quiet?: boolean;
}

export function tokenizeCommand(): Command {
  return new Command('tokenize')
    .description("print the model inputs of one (query, document) pair as JSON, as Hugging Face's tokenizer(query, doc, truncation=True) gives them")
    .addOption(OPTIONS.model(STARTER_MODEL_ID, 'model directory, or Hugging Face id org/name[@revision] (only its config and tokenizer files are read or fetched)'))
    .requiredOption('-q, --query <text>', 'the query (first sequence)')
    .requiredOption('--doc <text>', 'the document (second sequence)')
    .addOption(OPTIONS.maxLength())
    .addOption(OPTIONS.truncation())
    .addOption(OPTIONS.quiet())
    .action(async (flags: TokenizeFlags) => {
      const query = checkQuery(flags.query);
      const tokenizer = await loadPairTokenizer(flags.model, { maxLength: flags.maxLength, quiet: flags.quiet });
      const { maxLength } = tokenizer;
      const encoding = tokenizer.encodePair(query, flags.doc, flags.truncation);
      const output = {
        input_ids: encoding.inputIds,
        token_type_ids: encoding.tokenTypeIds,
        attention_mask: encoding.attentionMask,
        tokens: encoding.tokens,
        max_length: maxLength,
        truncation: flags.truncation,
      };
      process.stdout.write(`${JSON.stringify(output)}\n`);
    });
}
