/**
 * Downloads one file into blobs/ of the cache, safely:
 *
 * - bytes go to `blobs/<etag>.incomplete`, renamed to `blobs/<etag>` only when complete and
 *   verified, so a reader never sees half a file;
 * - a cut connection or a stall is resumed with a Range request, here or in a later run (the
 *   caller holds the blob's lock, so nobody else writes the same .incomplete file);
 * - an LFS file (its etag is its sha256) must hash to that sha256, and a file must have the size
 *   the hub announced; a mismatch deletes the download and is an error;
 * - redirects are followed by hubRequest, which sends the token to the hub only, not the CDN.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HubError } from './hubError.js';
import { failureDetail, httpError, hubRequest, type RequestContext } from './hubHttp.js';
import type { RemoteFile } from './fileMetadata.js';
import { formatBytes, type DownloadProgress, type FileProgress } from './progress.js';

export interface BlobDownload {
  file: RemoteFile;
  blobPath: string;
  token?: string;
  context: RequestContext;
  /** Longest wait for the next bytes before the request is abandoned and resumed. */
  stallTimeoutMs: number;
  progress: DownloadProgress;
}

/** Consecutive attempts that add no byte before giving up (huggingface_hub also tries 5 times). */
const MAX_ATTEMPTS_WITHOUT_PROGRESS = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function fileSize(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

/** A failure worth another Range request: the connection, a timeout, a 5xx. Not a disk error. */
function isTransient(error: unknown): boolean {
  if (error instanceof HubError) return error.kind === 'network' || error.kind === 'server';
  const name = (error as Error)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  // undici's failures mid-body ("terminated") and before an answer ("fetch failed"); other TypeErrors are bugs
  if (error instanceof TypeError && (error.message === 'terminated' || error.message === 'fetch failed')) return true;
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  return !(error as NodeJS.ErrnoException)?.syscall && /^(ECONNRESET|EPIPE|ETIMEDOUT|UND_ERR_)/.test(code);
}

/** A cache that cannot be written gets an error that says where and what to do. */
function cacheWriteError(error: unknown, download: BlobDownload): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  const dir = dirname(download.blobPath);
  const what = `${download.file.path} of ${download.context.id}`;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new HubError('disk', `disk full: no space left to write ${what} into ${dir}; free some space or set HF_HUB_CACHE to a disk with room`, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new HubError('disk', `cannot write ${what} into ${dir} (${code}); set HF_HUB_CACHE (or cacheDir) to a writable directory`, { cause: error });
  }
  return error;
}

async function ensureDiskSpace(download: BlobDownload, needed: number): Promise<void> {
  if (needed <= 0) return;
  const dir = dirname(download.blobPath);
  const fs = await statfs(dir).catch(() => undefined);
  if (!fs) return;
  const free = fs.bavail * fs.bsize;
  if (free < needed) {
    throw new HubError(
      'disk',
      `disk full: ${download.file.path} of ${download.context.id} needs ${formatBytes(needed)} but ${dir} has ${formatBytes(free)} free; free some space or set HF_HUB_CACHE to a disk with room`,
    );
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** One GET from `offset` on, appended to the partial file. Resolves to whether the file is complete. */
async function fetchFrom(download: BlobDownload, partial: string, offset: number, bar: FileProgress): Promise<boolean> {
  const { file } = download;
  const controller = new AbortController();
  const stalled = (): void =>
    controller.abort(
      new HubError(
        'network',
        `no network: the download of ${file.path} of ${download.context.id} stalled (no data for ${download.stallTimeoutMs / 1000} s, HF_HUB_DOWNLOAD_TIMEOUT); run again to resume it, or set HF_HUB_OFFLINE=1 to use only the cache`,
      ),
    );
  let timer = setTimeout(stalled, download.stallTimeoutMs);
  try {
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity', ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) };
    const response = await hubRequest('GET', file.url, { token: download.token, headers, signal: controller.signal, context: download.context });
    if (response.status === 416 && offset > 0) {
      // The partial file is not a prefix the server can continue (longer than the file): start over.
      await response.body?.cancel();
      await rm(partial, { force: true });
      return false;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw httpError(response, download.context);
    }
    // 206 continues the partial file; 200 (a server that ignores Range) sends it all again.
    let append = false;
    if (offset > 0 && response.status === 206) {
      const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
      if (!start || Number(start[1]) !== offset) {
        await response.body.cancel();
        throw new HubError('protocol', `${file.path} of ${download.context.id}: asked for bytes from ${offset}, got "${response.headers.get('content-range')}"`);
      }
      append = true;
    }
    const handle = await open(partial, append ? 'a' : 'w');
    let written = append ? offset : 0;
    try {
      for await (const chunk of response.body) {
        await handle.write(chunk);
        written += chunk.length;
        bar.update(written);
        clearTimeout(timer);
        timer = setTimeout(stalled, download.stallTimeoutMs);
      }
    } finally {
      await handle.close();
    }
    return file.size === undefined || written >= file.size;
  } catch (error) {
    // A stall aborts the request; fetch then throws its own AbortError, or the reason given.
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

export async function downloadBlob(download: BlobDownload): Promise<void> {
  const { file, context } = download;
  const partial = `${download.blobPath}.incomplete`;
  let bar: FileProgress | undefined;
  try {
    await mkdir(dirname(download.blobPath), { recursive: true });
    const resumeFrom = await fileSize(partial);
    await ensureDiskSpace(download, (file.size ?? 0) - resumeFrom);
    bar = download.progress.file(file.path, file.size, resumeFrom);

    let attemptsWithoutProgress = 0;
    let lastError: unknown;
    for (;;) {
      const offset = await fileSize(partial);
      if (file.size !== undefined && offset > file.size) {
        await rm(partial, { force: true }); // cannot be this file: start again
        continue;
      }
      if (file.size !== undefined && offset === file.size && offset > 0) break;
      try {
        if (await fetchFrom(download, partial, offset, bar)) break;
      } catch (error) {
        if (!isTransient(error)) throw error;
        lastError = error;
      }
      attemptsWithoutProgress = (await fileSize(partial)) > offset ? 0 : attemptsWithoutProgress + 1;
      if (attemptsWithoutProgress >= MAX_ATTEMPTS_WITHOUT_PROGRESS) {
        if (lastError instanceof HubError) throw lastError;
        throw new HubError(
          'network',
          `no network: the download of ${file.path} of ${context.id} keeps failing (${lastError ? failureDetail(lastError) : 'connection closed early'}); run again to resume it, or set HF_HUB_OFFLINE=1 to use only the cache`,
          { cause: lastError },
        );
      }
      await sleep(Math.min(200 * 2 ** attemptsWithoutProgress, 2000));
    }

    const size = await fileSize(partial);
    if (file.size !== undefined && size !== file.size) {
      await rm(partial, { force: true });
      throw new HubError('integrity', `${file.path} of ${context.id} arrived with ${size} bytes, the hub announced ${file.size}; nothing was cached, run again to download it afresh`);
    }
    if (file.sha256 !== undefined) {
      const actual = await sha256Of(partial);
      if (actual !== file.sha256) {
        await rm(partial, { force: true });
        throw new HubError('integrity', `${file.path} of ${context.id} is corrupt: its sha256 is ${actual}, the hub says ${file.sha256}; nothing was cached, run again to download it afresh`);
      }
    }
    await rename(partial, download.blobPath);
    bar.done();
  } catch (error) {
    const mapped = cacheWriteError(error, download);
    // A full disk keeps nothing half-written around; a network failure keeps it to resume.
    if (mapped instanceof HubError && mapped.kind === 'disk') await rm(partial, { force: true }).catch(() => undefined);
    throw mapped;
  }
}
