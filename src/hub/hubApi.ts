import { HubError } from './hubError.js';
import { isCommitSha } from './hubId.js';
import { httpError, hubRequest, networkError, type RequestContext } from './hubHttp.js';
import type { HubSettings } from './hubSettings.js';

/** A repo at one commit: what `GET /api/models/{id}/revision/{revision}` tells. */
export interface RepoRevision {
  /** The commit the revision points to now. */
  sha: string;
  /** Every file of the repo at that commit, '/'-separated. */
  files: string[];
}

export async function fetchRepoRevision(settings: HubSettings, id: string, revision: string): Promise<RepoRevision> {
  const context: RequestContext = { id, revision, endpoint: settings.endpoint, withToken: settings.token !== undefined };
  const url = `${settings.endpoint}/api/models/${id}/revision/${encodeURIComponent(revision)}`;
  const signal = AbortSignal.timeout(settings.metadataTimeoutMs);
  const response = await hubRequest('GET', url, { token: settings.token, headers: { Accept: 'application/json' }, signal, context });
  if (!response.ok) {
    await response.body?.cancel();
    throw httpError(response, context);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    if ((error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'TypeError') throw networkError(error, settings.endpoint, context);
    throw new HubError('protocol', `${url} did not answer JSON: is HF_ENDPOINT (${settings.endpoint}) a Hugging Face hub?`, { cause: error });
  }
  const record = body as { sha?: unknown; siblings?: unknown };
  const siblings = Array.isArray(record?.siblings) ? (record.siblings as Array<{ rfilename?: unknown }>) : undefined;
  if (typeof record?.sha !== 'string' || !isCommitSha(record.sha) || !siblings) {
    throw new HubError('protocol', `${url} did not answer a commit sha and a file list: is HF_ENDPOINT (${settings.endpoint}) a Hugging Face hub?`);
  }
  const files = siblings.map((sibling) => sibling?.rfilename).filter((name): name is string => typeof name === 'string');
  return { sha: record.sha, files };
}
