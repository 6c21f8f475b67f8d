import { Command, Option } from 'commander';
import { resolveModelDir } from '../hub/index.js';
import { locateTokenizerFiles, STARTER_MODEL_ID } from '../model/index.js';
import { checkQuery } from '../rerank/documents.js';
import { loadModelEncoding } from '../inference/modelEncoding.js';
import { TRUNCATION_STRATEGIES, type TruncationStrategy } from '../tokenize/truncation.js';
import { positiveInteger } from './optionParsers.js';

interface TokenizeFlags {
  model: string;
  query: string;
  doc: string;
  maxLength?: number;
  truncation: TruncationStrategy;
}

export function tokenizeCommand(): Command {
  return new Command('tokenize')
    .description("print the model inputs of one (query, document) pair as JSON, as Hugging Face's tokenizer(query, doc, truncation=True) gives them")
    .option('-m, --model <dir|id>', 'model directory, or Hugging Face id org/name[@revision] (only its config and tokenizer files are read or fetched)', STARTER_MODEL_ID)
    .requiredOption('-q, --query <text>', 'the query (first sequence)')
    .requiredOption('--doc <text>', 'the document (second sequence)')
    .option('--max-length <n>', 'tokens of the pair, special tokens included (default: the model limit)', positiveInteger)
    .addOption(new Option('--truncation <strategy>', 'how a pair that does not fit is shortened').choices(TRUNCATION_STRATEGIES).default('longest_first'))
    .action(async (flags: TokenizeFlags) => {
      const query = checkQuery(flags.query);
      const modelDir = await resolveModelDir(flags.model, { tokenizerOnly: true });
      const { encoder, maxLength } = loadModelEncoding(locateTokenizerFiles(modelDir), flags.maxLength);
      const encoding = encoder.encodePair(query, flags.doc, { maxLength, truncation: flags.truncation });
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
