/**
 * A lock file per blob, so that processes loading the same model at once download each file
 * once: the first creates `<name>.lock` exclusively and downloads; the others wait until it is
 * gone, then find the blob in place.
 *
 * A lock whose owner died must not block forever: the owner refreshes the file's mtime while it
 * holds it, so a lock left untouched for `staleMs` is stale, and one owned by a process of this
 * host that no longer exists is stale at once. Breaking a stale lock is itself done under a
 * short-lived `<name>.lock.break` lock, so two waiters cannot both break it and then each take
 * a "fresh" lock.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface LockOptions {
  /** A lock not refreshed for this long is stale; default 30 s (refreshed every third of it). */
  staleMs?: number;
  /** How often a waiter looks again; default 100 ms. */
  pollMs?: number;
  /** Called once when the lock is busy, to say that another process is at work. */
  onWait?: () => void;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(JSON.stringify(owner));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readOwner(path: string): Promise<Partial<LockOwner> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
  } catch {
    return undefined; // gone, or being written this instant
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock at `path` is stale; undefined when there is no lock to judge. */
async function staleToken(path: string, staleMs: number): Promise<string | undefined | null> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  const owner = await readOwner(path);
  const dead = owner?.host === hostname() && typeof owner.pid === 'number' && owner.pid !== process.pid && !processExists(owner.pid);
  const untouched = Date.now() - info.mtimeMs > staleMs;
  if (!dead && !untouched) return null;
  return owner?.token ?? '';
}

async function breakIfStale(path: string, staleMs: number): Promise<void> {
  const judged = await staleToken(path, staleMs);
  if (typeof judged !== 'string') return;
  const breaker = `${path}.break`;
  const me: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  if (!(await tryCreate(breaker, me))) {
    // Someone else is breaking it; a breaker left by a crash is cleared after a while.
    const info = await stat(breaker).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > staleMs) await unlink(breaker).catch(() => undefined);
    return;
  }
  try {
    // Still the same stale lock? (It may have been broken and retaken since we looked.)
    const again = await staleToken(path, staleMs);
    if (again === judged) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

export async function withFileLock<T>(path: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const pollMs = options.pollMs ?? 100;
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') };
  await mkdir(dirname(path), { recursive: true });
  let told = false;
  while (!(await tryCreate(path, owner))) {
    if (!told) {
      told = true;
      options.onWait?.();
    }
    await breakIfStale(path, staleMs);
    await sleep(pollMs);
  }

  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, Math.max(10, Math.floor(staleMs / 3)));
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    // Remove it only if it is still ours (it is, unless we stalled past staleMs and it was broken).
    if ((await readOwner(path))?.token === owner.token) await unlink(path).catch(() => undefined);
  }
}
