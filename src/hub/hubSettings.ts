import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';

/** How to reach the hub and where its cache is; each falls back to the variable huggingface_hub reads. */
export interface HubOptions {
  /** Branch, tag or commit sha; default `main` (or the `@revision` of the id). */
  revision?: string;
  /** The huggingface_hub cache; default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir?: string;
  /** Never touch the network: use the cache or fail (as `HF_HUB_OFFLINE=1` does). */
  localFilesOnly?: boolean;
  /** A Hugging Face access token for private or gated repos; default `$HF_TOKEN`. */
  token?: string;
  /** The hub's base URL; default `$HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** No progress bars (they are only drawn on a TTY anyway). */
  quiet?: boolean;
}

export interface HubSettings {
  /** Without a trailing slash. */
  endpoint: string;
  token?: string;
  cacheDir: string;
  /** Why the network is off, for error messages; undefined when it is on. */
  offlineBecause?: 'HF_HUB_OFFLINE' | 'localFilesOnly';
  quiet: boolean;
  /** Per metadata request (listing, HEAD): huggingface_hub's HF_HUB_ETAG_TIMEOUT, default 10 s. */
  metadataTimeoutMs: number;
  /** Longest wait for the next bytes of a download: HF_HUB_DOWNLOAD_TIMEOUT, default 10 s. */
  downloadStallTimeoutMs: number;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

// huggingface_hub's ENV_VARS_TRUE_VALUES
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.toUpperCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (nonEmpty(value) === undefined) return fallback * 1000;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`${name} must be a positive number of seconds, got "${value}"`);
  return n * 1000;
}

/** The cache directory huggingface_hub uses with this environment. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE);
  if (explicit) return expandHome(explicit);
  const hfHome = nonEmpty(env.HF_HOME) ?? join(nonEmpty(env.XDG_CACHE_HOME) ?? join(homedir(), '.cache'), 'huggingface');
  return join(expandHome(hfHome), 'hub');
}

export function hubSettings(options: HubOptions = {}, env: NodeJS.ProcessEnv = process.env): HubSettings {
  const endpoint = (nonEmpty(options.endpoint) ?? nonEmpty(env.HF_ENDPOINT) ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let protocol: string;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new InputError(`hub endpoint "${endpoint}" is not an http(s) URL (HF_ENDPOINT or the endpoint option)`);

  const offlineBecause = isTrue(env.HF_HUB_OFFLINE) || isTrue(env.TRANSFORMERS_OFFLINE) ? 'HF_HUB_OFFLINE' : options.localFilesOnly ? 'localFilesOnly' : undefined;
  return {
    endpoint,
    token: nonEmpty(options.token) ?? nonEmpty(env.HF_TOKEN) ?? nonEmpty(env.HUGGING_FACE_HUB_TOKEN),
    cacheDir: options.cacheDir ? expandHome(options.cacheDir) : defaultCacheDir(env),
    offlineBecause,
    quiet: options.quiet === true || isTrue(env.HF_HUB_DISABLE_PROGRESS_BARS),
    metadataTimeoutMs: seconds(env.HF_HUB_ETAG_TIMEOUT, 'HF_HUB_ETAG_TIMEOUT', 10),
    downloadStallTimeoutMs: seconds(env.HF_HUB_DOWNLOAD_TIMEOUT, 'HF_HUB_DOWNLOAD_TIMEOUT', 10),
  };
}
