import type { Command } from 'commander';

/** Every CLI error starts with this, commander's usage errors included (they say "error: "). */
export const ERROR_PREFIX = 'crossrank: ';

/**
 * Routes the usage errors of `command` and its subcommands into `sink` with crossrank's prefix, so
 * main.ts decides what is printed (see firstUnknownOption).
 */
export function collectUsageErrors(command: Command, sink: string[]): Command {
  command.exitOverride().configureOutput({ outputError: (text) => sink.push(text.replace(/^error: /, ERROR_PREFIX)) });
  for (const subcommand of command.commands) collectUsageErrors(subcommand, sink);
  return command;
}

/**
 * The first option in `args` that the (sub)command it is given to does not know. Commander checks
 * required options before unknown ones, so `rerank --querry x` is reported as a missing --query;
 * the mistyped flag is the error to name first. `program` must be a fresh tree (parsing sets its
 * option values); `args` are already known to parse, except for what is missing.
 */
export function firstUnknownOption(program: Command, args: string[]): string | undefined {
  let command = program;
  let rest = args;
  for (;;) {
    const { operands, unknown } = command.parseOptions(rest);
    const subcommand = operands.length > 0 ? command.commands.find((candidate) => candidate.name() === operands[0] || candidate.aliases().includes(operands[0]!)) : undefined;
    if (subcommand === undefined) return unknown.find((arg) => arg.startsWith('-'));
    command = subcommand;
    rest = [...operands.slice(1), ...unknown];
  }
}
