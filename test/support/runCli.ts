import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Text fed to standard input; without it, stdin is closed. */
  stdin?: string;
}

/** Runs the CLI from source, as `crossrank ...` would. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
    let stdout = '';
    let stderr = '';
    // Decoded as a stream: a character split between two chunks stays one character.
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A failed run: non-zero exit, nothing on stdout, one line on stderr matching `pattern`, no stack trace. */
export function assertOneLineError(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 1, `expected exit code 1: ${run.stderr}`);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${run.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'a stack trace leaked');
}
