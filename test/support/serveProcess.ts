import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** `crossrank serve ...` from source in a child process; resolves once it logs that the model is ready. */
export function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'serve', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let url = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      url ||= /Server listening at (http:\/\/[^"]+)/.exec(stdout)?.[1] ?? '';
      if (url && stdout.includes('ready"')) resolve({ child, url, stdout: () => stdout, stderr: () => stderr, exit });
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exit.then((code) => reject(new Error(`crossrank serve exited (${code}) before it was ready:\n${stderr}${stdout}`)));
  });
}
