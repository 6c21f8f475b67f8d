import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cachedCommit, linkIntoSnapshot, repoCache, snapshotDir, snapshotFile, snapshotFiles, tagCacheDir, writeRef, type RepoCache } from './cachePaths.js';
import { downloadBlob } from './download.js';
import { fetchFileMetadata } from './fileMetadata.js';
import { selectModelFiles, type SelectionOptions } from './fileSelection.js';
import { fetchRepoRevision } from './hubApi.js';
import { HubError } from './hubError.js';
import { chooseRevision, isCommitSha, parseHubId, type HubModelRef } from './hubId.js';
import { hubSettings, type HubOptions, type HubSettings } from './hubSettings.js';
import { STARTER_MODEL_DIR, STARTER_MODEL_ID } from '../model/starterModel.js';
import { withFileLock } from './lock.js';
import { createDownloadProgress } from './progress.js';

export interface ResolveModelOptions extends HubOptions, SelectionOptions {}

/** The snapshot of `revision` in the cache, if it holds what `options` need; else why not. */
function cachedSnapshot(repo: RepoCache, revision: string, options: SelectionOptions): { dir?: string; lacking?: string } {
  const commit = cachedCommit(repo, revision);
  if (!commit) return {};
  const dir = snapshotDir(repo, commit);
  try {
    selectModelFiles(repo.id, snapshotFiles(dir), options);
    return { dir };
  } catch (error) {
    return { lacking: error instanceof HubError ? error.message.replace(repo.id, `the cached snapshot ${commit.slice(0, 12)} of ${repo.id}`) : String(error) };
  }
}

function notCachedError(settings: HubSettings, ref: HubModelRef, revision: string, lacking: string | undefined): HubError {
  const name = revision === 'main' ? ref.id : `${ref.id}@${revision}`;
  const why = settings.offlineBecause === 'HF_HUB_OFFLINE' ? 'HF_HUB_OFFLINE is set' : 'localFilesOnly is set';
  const state = lacking ?? `${name} is not in the cache ${settings.cacheDir}`;
  return new HubError('not-cached', `${state}, and ${why}, so it cannot be downloaded: download it where there is network (crossrank download ${name}) or pass a local model directory`);
}

/** A file-system failure outside a download (creating folders, links, locks) as a one-line cache error. */
function cacheError(error: unknown, repo: RepoCache): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (error instanceof HubError || !(error as NodeJS.ErrnoException)?.syscall) return error;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new HubError('disk', `disk full: cannot write ${repo.root}; free some space or set HF_HUB_CACHE to a disk with room`, { cause: error });
  return new HubError('disk', `cannot write the cache ${repo.root} (${code}); set HF_HUB_CACHE (or cacheDir) to a writable directory`, { cause: error });
}

/** Downloads the files the snapshot lacks: HEAD for each one's etag, then the blob under its lock. */
async function fetchIntoSnapshot(settings: HubSettings, repo: RepoCache, commit: string, files: readonly string[]): Promise<void> {
  const missing = files.filter((path) => !existsSync(snapshotFile(repo, commit, path)));
  if (missing.length === 0) return;
  const progress = createDownloadProgress({ quiet: settings.quiet });
  try {
    await mkdir(repo.blobs, { recursive: true });
    await tagCacheDir(dirname(repo.root));
    for (const path of missing) {
      const file = await fetchFileMetadata(settings, repo.id, commit, path);
      const blob = join(repo.blobs, file.etag);
      if (!existsSync(blob)) {
        await withFileLock(
          join(repo.locks, `${file.etag}.crossrank.lock`),
          async () => {
            if (existsSync(blob)) return; // the process we waited for has downloaded it
            await downloadBlob({
              file,
              blobPath: blob,
              token: settings.token,
              context: { id: repo.id, revision: commit, endpoint: settings.endpoint, path, withToken: settings.token !== undefined },
              stallTimeoutMs: settings.downloadStallTimeoutMs,
              progress,
            });
          },
          { onWait: () => progress.note(`waiting for another process that is downloading ${path} of ${repo.id}`) },
        );
      }
      await linkIntoSnapshot(blob, snapshotFile(repo, commit, path));
    }
  } catch (error) {
    throw cacheError(error, repo);
  } finally {
    progress.stop();
  }
}

/**
 * The local folder of a hub model at a revision: its snapshot in the huggingface_hub cache,
 * downloading what the snapshot lacks. Offline (HF_HUB_OFFLINE=1 or localFilesOnly) it only
 * reads the cache; online it falls back to the cache when the hub cannot be reached.
 */
export async function resolveHubModel(ref: HubModelRef, options: ResolveModelOptions = {}): Promise<string> {
  const revision = chooseRevision(ref, options.revision);
  const settings = hubSettings(options);
  const repo = repoCache(settings.cacheDir, ref.id);

  if (settings.offlineBecause) {
    const cached = cachedSnapshot(repo, revision, options);
    if (cached.dir) return cached.dir;
    throw notCachedError(settings, ref, revision, cached.lacking);
  }
  // A commit never changes: if its snapshot has the files, there is nothing to ask the hub.
  if (isCommitSha(revision)) {
    const cached = cachedSnapshot(repo, revision, options);
    if (cached.dir) return cached.dir;
  }

  try {
    const listing = await fetchRepoRevision(settings, ref.id, revision);
    const selection = selectModelFiles(ref.id, listing.files, options);
    await fetchIntoSnapshot(settings, repo, listing.sha, selection.files);
    // Remember where the branch pointed, for offline use; a read-only cache that has the files is fine as it is.
    await writeRef(repo, revision, listing.sha).catch(() => undefined);
    return snapshotDir(repo, listing.sha);
  } catch (error) {
    // Like huggingface_hub: when the hub cannot answer (or refuses), what is cached still works.
    const final = !(error instanceof HubError) || ['revision-not-found', 'unsupported', 'integrity', 'disk'].includes(error.kind);
    if (!final) {
      const cached = cachedSnapshot(repo, revision, options);
      if (cached.dir) return cached.dir;
    }
    throw error;
  }
}

/**
 * What `CrossEncoder.load` and the CLI's `--model` accept: an existing path is a local model
 * directory and is returned as it is; `org/name` (or `org/name@revision`) is a hub model,
 * resolved to its cache snapshot; `crossrank/starter-en` is the starter model inside this package,
 * never fetched. Anything else is returned as it is, so that opening it gives
 * the local "does not exist" error.
 */
export async function resolveModelDir(nameOrPath: string, options: ResolveModelOptions = {}): Promise<string> {
  if (existsSync(nameOrPath)) return nameOrPath;
  if (nameOrPath === STARTER_MODEL_ID) return STARTER_MODEL_DIR;
  const ref = parseHubId(nameOrPath);
  return ref ? resolveHubModel(ref, options) : nameOrPath;
}
