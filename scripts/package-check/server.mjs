// After `npm install fastify prom-client`: the server entry point runs a real rerank request.
import assert from 'node:assert/strict';
import { buildApp } from 'crossrank/server';

const app = await buildApp({ engine: { threads: 1 } });
try {
  await app.crossrank.ready;
  const response = await app.inject({
    method: 'POST',
    url: '/v2/rerank',
    payload: { model: 'crossrank/starter-en', query: 'convert images', documents: ['nginx serves the web.', 'ImageMagick converts images.'] },
  });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  assert.equal(body.results[0].index, 1, response.body);
  console.log('server: ok', response.body);
} finally {
  await app.close();
}
