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
  try {
    await program().exitOverride().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its own message (or help/version, which exit 0)
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof CrossrankError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    process.stderr.write(`crossrank: ${message.split('\n')[0]}\n`);
    if (process.env.CROSSRANK_DEBUG === '1') process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
