/**
 * Generate-once cache of test models for the test suite.
 *
 * A model directory is reused when its cache key (spec + generator source) matches;
 * otherwise it is generated into a private temp directory and renamed into place, so test
 * files running in parallel never observe a half-written model.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestModelName } from './testModels.js';
import { getTestModel } from './testModels.js';
import { SENTENCEPIECE_FIXTURES } from './trainSentencepiece.js';
import { GENERATOR_VERSION, writeModelDir } from './writeModelDir.js';

/** test/.cache/models of this checkout (git-ignored), whatever the working directory. */
export const DEFAULT_CACHE_ROOT = fileURLToPath(new URL('../../test/.cache/models', import.meta.url));
const KEY_FILE = '.crossrank-cache-key';
const GENERATOR_DIR = fileURLToPath(new URL('./', import.meta.url));
const BERT_ASSETS_DIR = fileURLToPath(new URL('../../assets/vocab/bert-base-uncased/', import.meta.url));

async function hashDirFiles(hash: ReturnType<typeof createHash>, dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  for (const name of names) {
    hash.update(`${name}\0`);
    hash.update(await readFile(join(dir, name)));
  }
}

/**
 * The cache key: any edit to the generator's sources or the vendored tokenizer invalidates
 * cached models, so nobody has to remember to bump GENERATOR_VERSION during development.
 */
export async function cacheKey(name: TestModelName): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ name, version: GENERATOR_VERSION, def: getTestModel(name) }));
  await hashDirFiles(hash, GENERATOR_DIR);
  await hashDirFiles(hash, BERT_ASSETS_DIR);
  await hashDirFiles(hash, SENTENCEPIECE_FIXTURES);
  return hash.digest('hex');
}

async function readKey(dir: string): Promise<string | null> {
  try {
    return (await readFile(join(dir, KEY_FILE), 'utf8')).trim();
  } catch {
    return null;
  }
}

function isCollision(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM';
}

/** Returns the directory of test model `name` under `cacheRoot`, generating it if needed. */
export async function ensureTestModel(name: TestModelName, cacheRoot: string = DEFAULT_CACHE_ROOT): Promise<string> {
  const key = await cacheKey(name);
  const target = join(cacheRoot, name);
  if ((await readKey(target)) === key) return target;

  await mkdir(cacheRoot, { recursive: true });
  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(cacheRoot, `.tmp-${name}-${unique}`);
  try {
    await writeModelDir(temp, name);
    // Written last: a directory with a key file is complete.
    await writeFile(join(temp, KEY_FILE), `${key}\n`);

    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await rename(temp, target);
        return target;
      } catch (error) {
        if (!isCollision(error)) throw error;
        // Someone else got there first: theirs is as good as ours if the key matches.
        if ((await readKey(target)) === key) return target;
        // A stale model from older generator code: move it aside, then retry the rename.
        const stale = join(cacheRoot, `.stale-${name}-${unique}-${attempt}`);
        try {
          await rename(target, stale);
          await rm(stale, { recursive: true, force: true });
        } catch (moveError) {
          if ((moveError as NodeJS.ErrnoException).code !== 'ENOENT') throw moveError;
        }
      }
    }
    throw new Error(`ensureTestModel: could not install ${target}`);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
