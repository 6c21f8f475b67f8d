// Takes docs/playground.png, the README's picture of the playground page: the starter model
// served on a free loopback port, the README's first example typed into the page in headless
// Chromium. Run: npx tsx scripts/playground-screenshot.ts [out.png]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../src/server/app.js';
import { launchChromium } from '../test/support/chromium.js';
import { repoRoot } from '../test/support/paths.js';

const out = process.argv[2] ?? join(repoRoot, 'docs/playground.png');
const documents = readFileSync(join(repoRoot, 'assets/examples/docs.jsonl'), 'utf8').trim();

const app = await buildApp({ engine: { threads: 1 } });
const browser = await launchChromium();
try {
  await app.listen({ host: '127.0.0.1', port: 0 });
  await app.crossrank.ready;
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${address.port}/`);
  await page.fill('#query', 'command line tool to convert images');
  await page.fill('#documents', documents);
  await page.click('#rerank');
  await page.waitForSelector('li.result');
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}: ${await page.textContent('#status')}`);
} finally {
  await browser.close();
  await app.close();
}
