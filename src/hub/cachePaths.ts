/**
 * The cache layout of Python's huggingface_hub, so that a model downloaded by either is found by
 * the other:
 *
 *   <cacheDir>/models--{org}--{name}/
 *     blobs/<etag>                     file contents, named by the hub's ETag (sha256 for LFS files)
 *     refs/<branch or tag>             the commit sha the revision pointed to when last resolved
 *     snapshots/<commit>/<path>        relative symlinks into ../../blobs (one ../ more per folder)
 *   <cacheDir>/.locks/models--{org}--{name}/   lock files while a blob is being downloaded
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import { isCommitSha } from './hubId.js';

export interface RepoCache {
  id: string;
  /** models--{org}--{name} */
  root: string;
  blobs: string;
  refs: string;
  snapshots: string;
  locks: string;
}

export const REPO_FOLDER_PREFIX = 'models--';

export function repoFolderName(id: string): string {
  return `${REPO_FOLDER_PREFIX}${id.split('/').join('--')}`;
}

/** The id of a `models--{org}--{name}` folder (repo names never contain `--`), or undefined. */
export function idFromRepoFolder(folder: string): string | undefined {
  if (!folder.startsWith(REPO_FOLDER_PREFIX)) return undefined;
  const parts = folder.slice(REPO_FOLDER_PREFIX.length).split('--');
  return parts.every((part) => part !== '') ? parts.join('/') : undefined;
}

export function repoCache(cacheDir: string, id: string): RepoCache {
  const folder = repoFolderName(id);
  const root = join(cacheDir, folder);
  return { id, root, blobs: join(root, 'blobs'), refs: join(root, 'refs'), snapshots: join(root, 'snapshots'), locks: join(cacheDir, '.locks', folder) };
}

export function snapshotDir(repo: RepoCache, commit: string): string {
  return join(repo.snapshots, commit);
}

/** The snapshot path of a repo file; the hub's paths use '/', which join() turns into the platform's separator. */
export function snapshotFile(repo: RepoCache, commit: string, path: string): string {
  return join(repo.snapshots, commit, ...path.split('/'));
}

/** The commit a revision points to in the cache: a sha is its own, a branch or tag is read from refs/. */
export function cachedCommit(repo: RepoCache, revision: string): string | undefined {
  if (isCommitSha(revision)) return revision;
  try {
    const commit = readFileSync(join(repo.refs, ...revision.split('/')), 'utf8').trim();
    return isCommitSha(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Marks the cache as a cache (https://bford.info/cachedir/), so backup tools skip it; huggingface_hub
 * writes the same tag. Best effort: a cache that cannot take it still works.
 */
export async function tagCacheDir(cacheDir: string): Promise<void> {
  const text = 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by crossrank (the Hugging Face hub cache).\n# For information about cache directory tags, see:\n#\thttps://bford.info/cachedir/\n';
  await writeFile(join(cacheDir, 'CACHEDIR.TAG'), text, { flag: 'wx' }).catch(() => undefined);
}

/** refs/<revision> = commit, written to a temp file and renamed so readers never see half of it. */
export async function writeRef(repo: RepoCache, revision: string, commit: string): Promise<void> {
  if (revision === commit || cachedCommit(repo, revision) === commit) return;
  const path = join(repo.refs, ...revision.split('/'));
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, commit); // huggingface_hub writes the bare sha, no newline
  await rename(temp, path);
}

/**
 * Points snapshots/<commit>/<path> at its blob with a relative symlink, as huggingface_hub does, so
 * the cache survives being moved. Where symlinks are not allowed (some Windows setups) the blob is
 * copied instead, which huggingface_hub also falls back to.
 */
export async function linkIntoSnapshot(blob: string, pointer: string): Promise<void> {
  await mkdir(dirname(pointer), { recursive: true });
  const target = relative(dirname(pointer), blob);
  const existing = await lstat(pointer).catch(() => undefined);
  if (existing?.isSymbolicLink() && resolve(dirname(pointer), await readlink(pointer)) === resolve(blob)) return;
  if (existing) await rm(pointer, { force: true });
  try {
    await symlink(target, pointer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      // Another process linked it between our check and now: fine if it points at the same blob.
      if (resolve(dirname(pointer), await readlink(pointer)) === resolve(blob)) return;
      throw error;
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    await copyFile(blob, pointer);
  }
}

/** Files of a snapshot folder, as hub paths ('/'-separated), following the symlinks to blobs that exist. */
export function snapshotFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (folder: string, prefix: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else if (existsSync(path)) files.push(`${prefix}${entry.name}`);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return files.sort();
}
