import { HubError } from './hubError.js';

/** What a request is about, so that an error can name the model, the file and the way out. */
export interface RequestContext {
  id: string;
  revision: string;
  endpoint: string;
  /** The repo file, for file requests. */
  path?: string;
  /** Whether a token was sent: a refused token is a different problem from a missing one. */
  withToken: boolean;
}

const USER_AGENT = `crossrank; node/${process.versions.node}`;
const MAX_REDIRECTS = 10;

/** One request, redirects not followed; a failure to get any answer becomes a `network` HubError. */
async function send(method: 'GET' | 'HEAD', url: string, headers: Record<string, string>, signal: AbortSignal, context: RequestContext): Promise<Response> {
  try {
    return await fetch(url, { method, headers: { 'User-Agent': USER_AGENT, ...headers }, redirect: 'manual', signal });
  } catch (error) {
    throw networkError(error, new URL(url).origin, context);
  }
}

export function isRedirect(response: Response): boolean {
  return [301, 302, 303, 307, 308].includes(response.status) && response.headers.has('location');
}

/**
 * Sends a request and follows its redirects by hand: the token goes only to the hub's own origin,
 * never to the CDN host a file is redirected to (a signed URL that needs no token).
 * `stopAtOtherOrigin` returns the redirect itself when it leaves the hub, which is where the hub
 * puts a file's metadata (X-Linked-Etag, X-Linked-Size).
 */
export async function hubRequest(
  method: 'GET' | 'HEAD',
  url: string,
  options: { token?: string; headers?: Record<string, string>; signal: AbortSignal; stopAtOtherOrigin?: boolean; context: RequestContext },
): Promise<Response> {
  const hubOrigin = new URL(url).origin;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const sameOrigin = new URL(current).origin === hubOrigin;
    const headers = { ...options.headers, ...(options.token && sameOrigin ? { Authorization: `Bearer ${options.token}` } : {}) };
    const response = await send(method, current, headers, options.signal, options.context);
    if (!isRedirect(response)) return response;
    const next = new URL(response.headers.get('location') as string, current).toString();
    if (options.stopAtOtherOrigin && new URL(next).origin !== hubOrigin) return response;
    await response.body?.cancel();
    current = next;
  }
  throw new HubError('protocol', `${options.context.endpoint} redirected more than ${MAX_REDIRECTS} times for ${describe(options.context)}`);
}

function describe(context: RequestContext): string {
  return context.path ? `${context.path} of ${context.id}` : context.id;
}

/** The code of a fetch failure (ECONNREFUSED, ENOTFOUND, UND_ERR_SOCKET, ...) or its message. */
export function failureDetail(error: unknown): string {
  if ((error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError') return 'timed out';
  const cause = (error as { cause?: unknown })?.cause as (NodeJS.ErrnoException & { cause?: unknown }) | undefined;
  const code = cause?.code ?? (error as NodeJS.ErrnoException)?.code;
  if (code) return code;
  return String((cause as Error | undefined)?.message ?? (error as Error)?.message ?? error).split('\n')[0];
}

export function networkError(error: unknown, origin: string, context: RequestContext): HubError {
  return new HubError(
    'network',
    `no network: cannot reach ${origin} (${failureDetail(error)}) for ${describe(context)}; check the connection, pass a local model directory, or set HF_HUB_OFFLINE=1 to use only the cache`,
    { cause: error },
  );
}

/** The one-line error for a hub answer that is not a success, by status and the hub's X-Error-Code. */
export function httpError(response: Response, context: RequestContext): HubError {
  const code = response.headers.get('x-error-code');
  const status = response.status;
  const what = describe(context);
  const repoPage = `${context.endpoint}/${context.id}`;
  if (code === 'RevisionNotFound') {
    return new HubError('revision-not-found', `revision "${context.revision}" does not exist in ${context.id}: use a branch, tag or commit sha of ${repoPage}`);
  }
  if (code === 'GatedRepo' || status === 403) {
    const detail = code === 'GatedRepo' ? 'it is gated' : 'access denied';
    return new HubError(
      'forbidden',
      context.withToken
        ? `${context.id}: the token in HF_TOKEN has no access (${status}, ${detail}); accept the model's conditions on ${repoPage} with the token's account, or use a token with read access`
        : `${context.id} needs a Hugging Face token (${status}, ${detail}): accept the model's conditions on ${repoPage}, then set HF_TOKEN`,
    );
  }
  if (status === 401) {
    return new HubError(
      'unauthorized',
      context.withToken
        ? `${context.endpoint} refused the token in HF_TOKEN for ${context.id} (401): check that it is valid and can read the repo, or that the id is right`
        : `${context.id} was not found or needs a token (401): check the id; for a private or gated model set HF_TOKEN to a token with read access`,
    );
  }
  if (status === 404) {
    if (code === 'EntryNotFound' || (context.path && code !== 'RepoNotFound')) {
      return new HubError('not-found', `${what} is not in the repo at revision ${context.revision} (404)`);
    }
    return new HubError('not-found', `${context.id} is not a model on ${context.endpoint} (404): check the id, or pass a local model directory`);
  }
  if (status === 429 || status >= 500) {
    return new HubError('server', `${context.endpoint} answered ${status} ${response.statusText} for ${what}; try again later, or set HF_HUB_OFFLINE=1 to use the cache`);
  }
  return new HubError('protocol', `${context.endpoint} answered ${status} ${response.statusText} for ${what}`);
}
