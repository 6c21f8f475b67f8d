import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromiumMissing, launchChromium } from './support/chromium.js';
import { startServer, type TestServer } from './support/server.js';

// The playground page (GET / of crossrank serve) driven in a real headless Chromium: type a
// query, paste documents, read the ranked list, and compare it with the API's own answer.
const missing = chromiumMissing();
const KEY = 'playground-test-key';
const QUERY = 'command line tool to convert images';
const DOCUMENTS = [
  'nginx is a small, powerful, scalable web and proxy server.',
  'ImageMagick converts, resizes and edits bitmap images from the command line.',
  'PostgreSQL is an object-relational database.',
];

let server: TestServer;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

before(async () => {
  if (missing) return;
  server = await startServer({ config: { apiKeys: [KEY], modelId: 'tiny-bert-test' } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.app.close();
});

test('GET / serves the page without a key; the API behind it still needs one', { skip: missing }, async () => {
  const page = await server.get<string>('/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal((await server.post('/v2/rerank', { query: QUERY, documents: DOCUMENTS })).status, 401);
});

test('the playground ranks pasted documents as the API does, with the model and the latency', { skip: missing }, async () => {
  const page = await browser!.context.newPage();
  const external: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url)) external.push(request.url());
  });
  await page.goto(`${server.url}/`);

  // Without the key: the API's 401, shown as an error, and no results.
  await page.fill('#query', QUERY);
  await page.fill('#documents', DOCUMENTS.join('\n'));
  await page.click('#rerank');
  await page.waitForSelector('#status.error');
  assert.match(await page.textContent('#status') ?? '', /^401: missing API key/);
  assert.equal(await page.locator('li.result').count(), 0);

  // With the key, documents pasted one per line.
  await page.fill('#api-key', KEY);
  await page.click('#rerank');
  // Locators, not waitForFunction: the page's CSP forbids the eval that the latter uses.
  await page.locator('li.result').nth(2).waitFor();
  const shown = await Promise.all(
    (await page.locator('li.result').all()).map(async (item) => ({
      index: Number(await item.getAttribute('data-index')),
      score: Number(await item.getAttribute('data-score')),
      text: await item.locator('.text').textContent(),
      bar: await item.locator('.bar > span').getAttribute('style'),
    })),
  );
  const api = await server.post<{ results: Array<{ index: number; relevance_score: number }> }>(
    '/v2/rerank',
    { query: QUERY, documents: DOCUMENTS },
    { authorization: `Bearer ${KEY}` },
  );
  assert.deepEqual(
    shown.map(({ index, score }) => ({ index, relevance_score: score })),
    api.body.results,
    'the page shows the API ranking, in order',
  );
  for (const item of shown) {
    assert.equal(item.text, DOCUMENTS[item.index]);
    const width = Number(/^width: ([\d.]+)%;$/.exec(item.bar ?? '')?.[1]);
    assert.ok(Math.abs(width - item.score * 100) <= 0.05, `a score bar as long as the score: ${item.bar} for ${item.score}`);
  }
  const status = (await page.textContent('#status')) ?? '';
  assert.match(status, /^3 of 3 documents, ranked by tiny-bert-test in \d+ ms$/);

  // JSON lines, objects and strings mixed, and top n.
  await page.fill('#documents', [JSON.stringify({ text: DOCUMENTS[0], id: 'a' }), JSON.stringify(DOCUMENTS[1]), JSON.stringify({ text: DOCUMENTS[2] })].join('\n'));
  await page.fill('#top-n', '2');
  await page.click('#rerank');
  await page.locator('#status').filter({ hasText: /^2 of 3 documents/ }).waitFor();
  const top = await page.locator('li.result .text').allTextContents();
  assert.deepEqual(top, api.body.results.slice(0, 2).map((result) => DOCUMENTS[result.index]));
  assert.deepEqual(external, [], 'the page loads nothing from elsewhere');
  await page.close();
});
