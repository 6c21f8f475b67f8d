// The CommonJS entry point: require() of crossrank (an ES module without top-level await), as a
// CommonJS project on Node 20.19+ does it.
const assert = require('node:assert/strict');
const { CrossEncoder, InputError } = require('crossrank');
const server = require('crossrank/server');

assert.equal(typeof CrossEncoder.load, 'function');
assert.equal(typeof InputError, 'function');
assert.equal(typeof server.buildApp, 'function');

(async () => {
  const ce = await CrossEncoder.load();
  try {
    const scores = await ce.score([['images', 'ImageMagick edits bitmap images.'], ['images', 'nginx is a web server.']]);
    assert.equal(scores.length, 2);
    assert.ok(scores[0] > scores[1], `expected the image document to score higher: ${scores}`);
    console.log('cjs: ok', scores.map((s) => s.toFixed(4)).join(' '));
  } finally {
    await ce.close();
  }
  // fastify and prom-client are optional peers, installed only by those who serve.
  await assert.rejects(server.buildApp({}), { name: 'MissingPackageError', message: /npm install fastify prom-client/ });
  console.log('cjs: the server without fastify names it');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
