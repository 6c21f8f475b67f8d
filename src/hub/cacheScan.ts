import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { idFromRepoFolder } from './cachePaths.js';
import { isCommitSha } from './hubId.js';
import { defaultCacheDir } from './hubSettings.js';

/** A model in the huggingface_hub cache, whichever tool downloaded it. */
export interface CachedModel {
  id: string;
  /** Its models--{org}--{name} folder. */
  path: string;
  /** Bytes of its blobs (each file once, however many snapshots link to it). */
  sizeOnDisk: number;
  /** Branches and tags, with the commit each pointed to when last resolved. */
  refs: Record<string, string>;
  /** Commits with a snapshot folder. */
  snapshots: string[];
  lastModified: Date;
}

function readRefs(dir: string, prefix = ''): Record<string, string> {
  const refs: Record<string, string> = {};
  if (!existsSync(dir)) return refs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(refs, readRefs(path, `${prefix}${entry.name}/`));
    else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
      const commit = readFileSync(path, 'utf8').trim();
      if (isCommitSha(commit)) refs[`${prefix}${entry.name}`] = commit;
    }
  }
  return refs;
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The models of a cache folder (default: the one huggingface_hub uses), sorted by id. */
export function listCachedModels(cacheDir: string = defaultCacheDir()): CachedModel[] {
  const models: CachedModel[] = [];
  for (const folder of listDir(cacheDir)) {
    const id = idFromRepoFolder(folder);
    const path = join(cacheDir, folder);
    if (!id || !lstatSync(path).isDirectory()) continue;
    let sizeOnDisk = 0;
    let lastModified = 0;
    for (const blob of listDir(join(path, 'blobs'))) {
      const info = lstatSync(join(path, 'blobs', blob));
      if (!info.isFile()) continue;
      sizeOnDisk += info.size;
      lastModified = Math.max(lastModified, info.mtimeMs);
    }
    const snapshots = listDir(join(path, 'snapshots')).filter(isCommitSha).sort();
    models.push({ id, path, sizeOnDisk, refs: readRefs(join(path, 'refs')), snapshots, lastModified: new Date(lastModified || lstatSync(path).mtimeMs) });
  }
  return models.sort((a, b) => a.id.localeCompare(b.id));
}
