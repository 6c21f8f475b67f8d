/**
 * A Hugging Face hub on loopback, as huggingface_hub sees the real one:
 *
 * - `GET /api/models/{org}/{name}/revision/{revision}`: `{ sha, siblings: [{ rfilename }] }`;
 * - `HEAD|GET /{org}/{name}/resolve/{revision}/{path}`: regular files are served with
 *   `ETag: "<git blob sha1>"`; LFS files (ONNX weights) answer a 307 to a second server, the
 *   "CDN", on another port, with `X-Linked-Etag: "<sha256>"` and `X-Linked-Size`; every answer
 *   carries `X-Repo-Commit`;
 * - errors with the hub's `X-Error-Code`: RepoNotFound (401 without a token, 404 with one),
 *   GatedRepo (401/403), RevisionNotFound, EntryNotFound;
 * - Range requests (206, 416) on both servers.
 *
 * Faults can be switched on: cut a connection after some bytes, flip a byte, send slowly, fail
 * with a status. Every request is logged with its headers, so tests can check what was sent where.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepoSpec {
  id: string;
  files: Record<string, Buffer>;
  /** Branches and tags besides `main`, all at the repo's one commit. */
  tags?: string[];
  /** Only this token may read it (401/403 otherwise). */
  token?: string;
  gated?: boolean;
}

interface FakeFile {
  content: Buffer;
  lfs: boolean;
  sha256: string;
  gitSha1: string;
}

interface FakeRepo {
  spec: FakeRepoSpec;
  commit: string;
  files: Map<string, FakeFile>;
}

export interface Faults {
  /** Cut the connection after `afterBytes` bytes of the body, in the next `times` answers for `path`. */
  cut?: { path: string; afterBytes: number; times: number };
  /** Send `afterBytes` bytes of the body, then nothing more (the connection stays open), in the next `times` answers for `path`. */
  hang?: { path: string; afterBytes: number; times: number };
  /** Hold the body of `path` until `until()` is true, then `thenMs` more: lets a test line up concurrent clients. */
  holdBody?: { path: string; until: () => boolean; thenMs: number };
  /** Announce this size for `path` (X-Linked-Size) instead of the real one. */
  announcedSize?: { path: string; size: number };
  /** Serve `path` with one byte flipped; the announced sha256 stays that of the real file. */
  corrupt?: string;
  /** Send bodies in chunks of `chunkBytes`, one every `intervalMs`. */
  throttle?: { chunkBytes: number; intervalMs: number };
  /** Answer every request of the API and resolve routes with this status. */
  status?: number;
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  startedAt: number;
  finishedAt?: number;
}

export interface FakeHub {
  endpoint: string;
  cdnOrigin: string;
  faults: Faults;
  requests: LoggedRequest[];
  commitOf(id: string): string;
  fileInfo(id: string, path: string): { sha256: string; gitSha1: string; lfs: boolean; size: number };
  close(): Promise<void>;
}

const isLfsPath = (path: string): boolean => /\.(onnx|onnx_data|bin|safetensors)$/.test(path);

function fakeFile(content: Buffer, path: string): FakeFile {
  return {
    content,
    lfs: isLfsPath(path),
    sha256: createHash('sha256').update(content).digest('hex'),
    // the id git gives the file: what the hub sends as the ETag of a regular file
    gitSha1: createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex'),
  };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function hubError(res: ServerResponse, status: number, code: string | undefined, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...(code ? { 'X-Error-Code': code } : {}), 'X-Error-Message': message });
  res.end(JSON.stringify({ error: message }));
}

/** `cdnHostname`: the host name the redirects name for the CDN (it listens on 127.0.0.1 in any case). */
export async function startFakeHub(specs: FakeRepoSpec[], options: { cdnHostname?: string } = {}): Promise<FakeHub> {
  const repos = new Map<string, FakeRepo>();
  for (const spec of specs) {
    const files = new Map(Object.entries(spec.files).map(([path, content]) => [path, fakeFile(content, path)]));
    const digest = createHash('sha1').update(spec.id);
    for (const [path, file] of [...files].sort()) digest.update(`${path}\0${file.sha256}`);
    repos.set(spec.id, { spec, commit: digest.digest('hex'), files });
  }
  const blobsBySha256 = new Map<string, FakeFile & { path: string }>();
  for (const repo of repos.values()) for (const [path, file] of repo.files) if (file.lfs) blobsBySha256.set(file.sha256, { ...file, path });

  const faults: Faults = {};
  const requests: LoggedRequest[] = [];
  const log = (server: LoggedRequest['server'], req: IncomingMessage, res: ServerResponse): void => {
    const entry: LoggedRequest = { server, method: req.method ?? '', path: req.url ?? '', headers: req.headers, startedAt: Date.now() };
    requests.push(entry);
    res.on('close', () => (entry.finishedAt = Date.now()));
  };

  /** A body with Range support and the faults that apply to `path`. */
  function serveBody(req: IncomingMessage, res: ServerResponse, path: string, file: FakeFile, headers: Record<string, string>): void {
    let body = file.content;
    if (faults.corrupt === path) {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    let status = 200;
    let start = 0;
    let end = body.length - 1;
    const range = req.headers.range;
    if (range) {
      const match = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!match || Number(match[1]) >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` });
        res.end();
        return;
      }
      start = Number(match[1]);
      end = match[2] ? Math.min(Number(match[2]), body.length - 1) : body.length - 1;
      status = 206;
      headers = { ...headers, 'Content-Range': `bytes ${start}-${end}/${body.length}` };
    }
    const slice = body.subarray(start, end + 1);
    res.writeHead(status, { ...headers, 'Content-Length': String(slice.length), 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let limit = slice.length;
    if (faults.cut && faults.cut.path === path && faults.cut.times > 0) {
      faults.cut.times--;
      limit = Math.min(faults.cut.afterBytes, slice.length);
    }
    let hang = false;
    if (faults.hang && faults.hang.path === path && faults.hang.times > 0) {
      faults.hang.times--;
      limit = Math.min(faults.hang.afterBytes, slice.length);
      hang = true;
    }
    const chunkBytes = faults.throttle?.chunkBytes ?? 64 * 1024;
    const interval = faults.throttle?.intervalMs ?? 0;
    let sent = 0;
    const sendNext = (): void => {
      if (res.destroyed) return;
      if (sent >= limit && hang) return; // a stalled transfer: the client must give up on it
      if (sent >= limit) {
        // A cut: what was written reaches the client, then the connection drops mid-body.
        if (limit < slice.length) res.socket?.end(() => res.socket?.destroy());
        else res.end();
        return;
      }
      const part = slice.subarray(sent, Math.min(limit, sent + chunkBytes));
      sent += part.length;
      const more = res.write(part);
      if (interval > 0) setTimeout(sendNext, interval);
      else if (more) setImmediate(sendNext);
      else res.once('drain', sendNext);
    };
    const hold = faults.holdBody?.path === path ? faults.holdBody : undefined;
    if (!hold) {
      sendNext();
      return;
    }
    const poll = setInterval(() => {
      if (!hold.until()) return;
      clearInterval(poll);
      setTimeout(sendNext, hold.thenMs);
    }, 10);
    res.on('close', () => clearInterval(poll));
  }

  /** Whether the request may read the repo; answers the hub's 401/403 when it may not. */
  function authorize(req: IncomingMessage, res: ServerResponse, repo: FakeRepo | undefined): repo is FakeRepo {
    const auth = req.headers.authorization;
    if (!repo) {
      // The hub does not tell a missing repo from a private one to a client without a token.
      if (auth) hubError(res, 404, 'RepoNotFound', 'Repository not found');
      else hubError(res, 401, 'RepoNotFound', 'Repository not found');
      return false;
    }
    if (repo.spec.token === undefined || auth === `Bearer ${repo.spec.token}`) return true;
    if (repo.spec.gated) {
      if (auth) hubError(res, 403, 'GatedRepo', 'Access to this model is restricted');
      else hubError(res, 401, 'GatedRepo', 'Access to this model is restricted');
    } else if (auth) hubError(res, 401, 'RepoNotFound', 'Invalid credentials in Authorization header');
    else hubError(res, 401, 'RepoNotFound', 'Repository not found');
    return false;
  }

  function commitFor(repo: FakeRepo, revision: string): string | undefined {
    return revision === 'main' || revision === repo.commit || repo.spec.tags?.includes(revision) ? repo.commit : undefined;
  }

  const cdn = createServer((req, res) => {
    log('cdn', req, res);
    const match = /^\/blobs\/([0-9a-f]{64})(\?.*)?$/.exec(req.url ?? '');
    const blob = match ? blobsBySha256.get(match[1]) : undefined;
    if (!blob || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    serveBody(req, res, blob.path, blob, { ETag: `"cdn-${blob.sha256.slice(0, 16)}"` });
  });

  const hub = createServer((req, res) => {
    log('hub', req, res);
    const url = new URL(req.url ?? '/', 'http://hub');
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!api && !resolve) {
      hubError(res, 404, undefined, 'Not found');
      return;
    }
    if (faults.status) {
      hubError(res, faults.status, undefined, 'Injected failure');
      return;
    }
    const [, id, rawRevision] = (api ?? resolve) as RegExpExecArray;
    const repo = repos.get(id);
    if (!authorize(req, res, repo)) return;
    const revision = decodeURIComponent(rawRevision);
    const commit = commitFor(repo, revision);
    if (!commit) {
      hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
      return;
    }
    if (api) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id, modelId: id, sha: commit, private: repo.spec.token !== undefined, siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) }));
      return;
    }
    const path = (resolve as RegExpExecArray)[3].split('/').map(decodeURIComponent).join('/');
    const file = repo.files.get(path);
    if (!file) {
      res.setHeader('X-Repo-Commit', commit);
      hubError(res, 404, 'EntryNotFound', `${path} does not exist`);
      return;
    }
    if (file.lfs) {
      const body = `Found. Redirecting to ${cdnOrigin}/blobs/${file.sha256}`;
      res.writeHead(307, {
        Location: `${cdnOrigin}/blobs/${file.sha256}?X-Amz-Signature=fake`,
        'X-Repo-Commit': commit,
        'X-Linked-Etag': `"${file.sha256}"`,
        'X-Linked-Size': String(faults.announcedSize?.path === path ? faults.announcedSize.size : file.content.length),
        // the redirect's own ETag and length are not the file's: clients must prefer X-Linked-*
        ETag: `W/"${file.gitSha1}"`,
        'Content-Length': String(Buffer.byteLength(body)),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    serveBody(req, res, path, file, { 'X-Repo-Commit': commit, ETag: `"${file.gitSha1}"` });
  });

  const endpoint = await listen(hub);
  const cdnOrigin = (await listen(cdn)).replace('127.0.0.1', options.cdnHostname ?? '127.0.0.1');
  return {
    endpoint,
    cdnOrigin,
    faults,
    requests,
    commitOf: (id) => (repos.get(id) as FakeRepo).commit,
    fileInfo(id, path) {
      const file = (repos.get(id) as FakeRepo).files.get(path) as FakeFile;
      return { sha256: file.sha256, gitSha1: file.gitSha1, lfs: file.lfs, size: file.content.length };
    },
    async close() {
      for (const server of [hub, cdn]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
