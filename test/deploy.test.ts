import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { serveCommand } from '../src/cli/serve.js';
import { DEFAULT_SERVER_CONFIG } from '../src/server/config.js';
import { repoRoot } from './support/paths.js';
import { startServer, type TestServer } from './support/server.js';

// What can be checked here of the Dockerfile and the Kubernetes example (no container engine or
// cluster on CI): the manifests against Kubernetes' own schemas (kubernetes-models), and both
// against the server they run: its probes, port, settings and metric names.
const manifests = parseAllDocuments(readFileSync(join(repoRoot, 'deploy/kubernetes/crossrank.yaml'), 'utf8')).map((doc) => doc.toJS() as { kind: string });
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');

/** Dockerfile instructions, continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });
const finalStage = instructions.slice(instructions.map((i) => i.keyword).lastIndexOf('FROM'));

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.app.close());

function manifest(kind: string): Record<string, any> {
  const found = manifests.find((m) => m.kind === kind);
  assert.ok(found, `deploy/kubernetes/crossrank.yaml has no ${kind}`);
  return found;
}

test('the Kubernetes manifests are valid against the Kubernetes schemas', () => {
  assert.deepEqual(manifests.map((m) => m.kind).sort(), ['Deployment', 'HorizontalPodAutoscaler', 'Service']);
  for (const [kind, Model] of [['Deployment', Deployment], ['Service', Service], ['HorizontalPodAutoscaler', HorizontalPodAutoscaler]] as const) {
    assert.doesNotThrow(() => new Model(manifest(kind) as never).validate(), `${kind} is not valid`);
  }
  // The validator is not lenient: a wrong type is refused.
  const broken = structuredClone(manifest('Deployment'));
  broken.spec.replicas = 'two';
  assert.throws(() => new Deployment(broken as never).validate(), /replicas/);
});

test('the Deployment probes what the server answers: readiness /ready, liveness /health, on its port', async () => {
  const container = manifest('Deployment').spec.template.spec.containers[0];
  assert.equal(container.readinessProbe.httpGet.path, '/ready');
  assert.equal(container.livenessProbe.httpGet.path, '/health');
  assert.ok(container.resources.requests.cpu && container.resources.limits.memory, 'resources are set');
  const port = container.ports.find((p: { name: string }) => p.name === container.readinessProbe.httpGet.port).containerPort;
  assert.equal(port, DEFAULT_SERVER_CONFIG.port);
  for (const path of ['/ready', '/health']) assert.equal((await server.get(path)).status, 200, path);

  // Every CROSSRANK_* variable it sets is one `crossrank serve` reads.
  const known = new Set(serveCommand().options.map((option) => option.envVar).filter(Boolean));
  for (const { name } of container.env as Array<{ name: string }>) assert.ok(known.has(name), `crossrank serve does not read ${name}`);
});

test('the HorizontalPodAutoscaler scales the Deployment on a metric the server exports', async () => {
  const hpa = manifest('HorizontalPodAutoscaler');
  assert.equal(hpa.spec.scaleTargetRef.name, manifest('Deployment').metadata.name);
  const queueMetric = hpa.spec.metrics.find((m: { type: string }) => m.type === 'Pods').pods.metric.name;
  const metrics = await server.get<string>('/metrics');
  assert.match(metrics.body, new RegExp(`^# TYPE ${queueMetric} gauge$`, 'm'));
});

test('the Dockerfile: Node 20, non-root, the install of docs/install.md, the server port, a HEALTHCHECK on /ready', () => {
  const from = finalStage[0]!.args;
  assert.match(from, /^node:20[.-]/, 'the Node line crossrank supports');
  const user = finalStage.filter((i) => i.keyword === 'USER').at(-1)?.args;
  assert.ok(user && !/^(root|0)(:|$)/.test(user), `runs as ${user ?? 'root'}`);
  assert.equal(finalStage.find((i) => i.keyword === 'EXPOSE')?.args, String(DEFAULT_SERVER_CONFIG.port));
  const env = finalStage.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
  assert.match(env, /ONNXRUNTIME_NODE_INSTALL=skip/);
  assert.match(env, new RegExp(`CROSSRANK_PORT=${DEFAULT_SERVER_CONFIG.port}\\b`));
  assert.match(env, /CROSSRANK_HOST=0\.0\.0\.0/);

  // The server's optional peers, as docs/install.md names them, are what the image installs.
  const install = readFileSync(join(repoRoot, 'docs/install.md'), 'utf8');
  const serverPeers = /\| `crossrank serve`[^|]*\| `npm install ([^`]+)` \|/.exec(install)?.[1]?.split(' ');
  assert.ok(serverPeers && serverPeers.length > 0, 'docs/install.md names the server packages');
  const run = finalStage.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' ');
  for (const name of serverPeers) assert.match(run, new RegExp(`npm install [^&]*\\b${name}@`), `the image installs ${name}`);
  assert.match(run, /npm install [^&]*crossrank-\*\.tgz/);
  assert.match(finalStage.find((i) => i.keyword === 'CMD')?.args ?? '', /crossrank", "serve"\]$/);
});

/** Exit status of `node -e script` (run asynchronously: the server it asks lives in this process). */
function nodeExitStatus(script: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['-e', script], { timeout: 10_000 });
    child.on('exit', (code) => resolve(code));
  });
}

test("the Dockerfile's HEALTHCHECK command: exit 0 on a ready server, 1 on no server", async () => {
  const healthcheck = finalStage.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
  const command = JSON.parse(/CMD (\[.*\])$/.exec(healthcheck)?.[1] ?? 'null') as string[] | null;
  assert.ok(command && command[0] === 'node' && command[1] === '-e', healthcheck);
  const script = command[2]!;
  assert.match(script, /http:\/\/127\.0\.0\.1:8080\/ready/);
  const port = new URL(server.url).port;
  assert.equal(await nodeExitStatus(script.replace(':8080/', `:${port}/`)), 0);
  assert.equal(await nodeExitStatus(script.replace(':8080/', ':9/')), 1);
});
