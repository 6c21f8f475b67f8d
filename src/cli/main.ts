#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CrossrankError } from '../errors.js';
import { rerankCommand } from './rerank.js';
import { tokenizeCommand } from './tokenize.js';
import { downloadCommand } from './download.js';
import { modelsCommand } from './models.js';
import { indexCommand } from './index.js';
import { searchCommand } from './search.js';
import { evalCommand } from './eval.js';
import { serveCommand } from './serve.js';
import { collectUsageErrors, ERROR_PREFIX, firstUnknownOption } from './usageErrors.js';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function program(): Command {
  return new Command('crossrank')
    .description('Cross-encoder reranking for Node.js: ONNX rerankers from Hugging Face, exactly and fast.')
    .version(packageJson.version)
    .addCommand(rerankCommand())
    .addCommand(tokenizeCommand())
    .addCommand(downloadCommand())
    .addCommand(modelsCommand())
    .addCommand(serveCommand())
    .addCommand(indexCommand())
    .addCommand(searchCommand())
    .addCommand(evalCommand());
}

/**
 * Errors reach the user as one line and a non-zero exit. A stack only helps us, so it is shown
 * only with CROSSRANK_DEBUG=1.
 */
async function main(argv: string[]): Promise<void> {
  const usageErrors: string[] = [];
  try {
    await collectUsageErrors(program(), usageErrors).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander's own message (help and version have printed and exit 0)
      const unknown = error.code === 'commander.missingMandatoryOptionValue' ? firstUnknownOption(collectUsageErrors(program(), []), argv.slice(2)) : undefined;
      process.stderr.write(unknown === undefined ? usageErrors.join('') : `${ERROR_PREFIX}unknown option '${unknown}'\n`);
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof CrossrankError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    process.stderr.write(`${ERROR_PREFIX}${message.split('\n')[0]}\n`);
    if (process.env.CROSSRANK_DEBUG === '1') process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
