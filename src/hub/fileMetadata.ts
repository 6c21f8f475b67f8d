import { HubError } from './hubError.js';
import { httpError, hubRequest, isRedirect, type RequestContext } from './hubHttp.js';
import type { HubSettings } from './hubSettings.js';

/** What the hub says about one file, from `HEAD {endpoint}/{id}/resolve/{revision}/{path}`. */
export interface RemoteFile {
  path: string;
  /** The resolve URL the bytes are fetched from (it redirects LFS files to a CDN). */
  url: string;
  /** The blob name in the cache: X-Linked-Etag for LFS files (their sha256), else the ETag (git sha1). */
  etag: string;
  /** The content's sha256 where the etag is one (LFS files): the download is checked against it. */
  sha256?: string;
  size?: number;
  commit: string;
}

/** `https://hub/org/name/resolve/<revision>/<path>`: revision encoded whole, path per segment, as huggingface_hub's hf_hub_url. */
export function resolveUrl(endpoint: string, id: string, revision: string, path: string): string {
  return `${endpoint}/${id}/resolve/${encodeURIComponent(revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** huggingface_hub's _normalize_etag: `W/"abc"` and `"abc"` are `abc`. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (etag === null) return undefined;
  return etag.replace(/^W\//, '').replace(/^"+|"+$/g, '') || undefined;
}

export async function fetchFileMetadata(settings: HubSettings, id: string, revision: string, path: string): Promise<RemoteFile> {
  const context: RequestContext = { id, revision, endpoint: settings.endpoint, path, withToken: settings.token !== undefined };
  const url = resolveUrl(settings.endpoint, id, revision, path);
  const signal = AbortSignal.timeout(settings.metadataTimeoutMs);
  // identity: the size wanted is the file's, not that of a compressed transfer
  const response = await hubRequest('HEAD', url, { token: settings.token, headers: { 'Accept-Encoding': 'identity' }, signal, stopAtOtherOrigin: true, context });
  await response.body?.cancel();
  if (!response.ok && !isRedirect(response)) throw httpError(response, context);

  const commit = response.headers.get('x-repo-commit');
  // An LFS file's redirect carries its sha256 in X-Linked-Etag; its own ETag is the redirect's.
  const etag = normalizeEtag(response.headers.get('x-linked-etag')) ?? normalizeEtag(response.headers.get('etag'));
  if (!commit || !etag) {
    throw new HubError('protocol', `${settings.endpoint} sent no ${commit ? 'ETag' : 'X-Repo-Commit'} for ${path} of ${id}: is HF_ENDPOINT a Hugging Face hub (or a proxy that strips headers)?`);
  }
  // The etag names a file in blobs/: it must not be able to point anywhere else.
  if (!/^[\w-]+$/.test(etag)) throw new HubError('protocol', `${settings.endpoint} sent an unusable ETag "${etag}" for ${path} of ${id}`);
  const sizeHeader = response.headers.get('x-linked-size') ?? (isRedirect(response) ? null : response.headers.get('content-length'));
  const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
  return { path, url, etag, sha256: /^[0-9a-f]{64}$/.test(etag) ? etag : undefined, size, commit };
}
