/**
 * The playground page served at GET / (routes/playground.ts): one self-contained HTML file, no
 * build step and nothing loaded from elsewhere. Its script posts to /v2/rerank (Cohere's shape) and
 * reads /info for the model name, sending the API key typed in, if any, as a bearer token.
 */
export const PLAYGROUND_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>crossrank playground</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 860px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; }
label { display: block; font-weight: 600; margin: 1rem 0 0.3rem; }
input, textarea { width: 100%; box-sizing: border-box; font: inherit; padding: 0.4rem; border: 1px solid #bbb; border-radius: 4px; }
textarea { font-family: ui-monospace, monospace; font-size: 0.9rem; }
.row { display: flex; gap: 1rem; align-items: end; }
.row > div { flex: 1; }
button { font: inherit; padding: 0.5rem 1.2rem; margin-top: 1rem; border: 0; border-radius: 4px; background: #4e79a7; color: white; cursor: pointer; }
button:disabled { background: #999; }
#status { margin: 1rem 0; color: #555; }
#status.error { color: #b00020; }
ol { padding: 0; list-style: none; }
li { margin: 0.5rem 0; padding: 0.5rem; border: 1px solid #e3e3e3; border-radius: 4px; }
.meta { display: flex; justify-content: space-between; font-size: 0.85rem; color: #555; }
.bar { height: 6px; background: #eee; border-radius: 3px; margin: 0.3rem 0; }
.bar > span { display: block; height: 100%; background: #4e79a7; border-radius: 3px; }
.text { white-space: pre-wrap; }
small { color: #666; }
</style>
</head>
<body>
<h1>crossrank playground</h1>
<small>Reranks with the model this server runs, through its own API (<code>POST /v2/rerank</code>).</small>
<form id="form">
  <label for="query">Query</label>
  <input id="query" name="query" required placeholder="command line tool to convert images">
  <label for="documents">Documents <small>one per line, or JSON lines (a string or an object with a "text" field)</small></label>
  <textarea id="documents" name="documents" rows="8" required></textarea>
  <div class="row">
    <div><label for="top-n">Top n <small>(empty: all)</small></label><input id="top-n" type="number" min="1"></div>
    <div><label for="api-key">API key <small>(if the server needs one)</small></label><input id="api-key" type="password" autocomplete="off"></div>
  </div>
  <button id="rerank" type="submit">Rerank</button>
</form>
<p id="status" role="status"></p>
<ol id="results"></ol>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const status = (text, isError) => { $('status').textContent = text; $('status').className = isError ? 'error' : ''; };

  // One document per line; when every non-empty line is JSON (a string, or an object with a
  // string "text"), the lines are JSON lines, as crossrank rerank --docs reads them.
  function parseDocuments(text) {
    const lines = text.split('\\n').map((line) => line.trim()).filter((line) => line !== '');
    const parsed = [];
    for (const line of lines) {
      try {
        const value = JSON.parse(line);
        if (typeof value === 'string' || (value && typeof value === 'object' && typeof value.text === 'string')) { parsed.push(value); continue; }
      } catch {}
      return lines;
    }
    return parsed;
  }

  function headers(json) {
    const key = $('api-key').value.trim();
    const result = json ? { 'content-type': 'application/json' } : {};
    if (key) result.authorization = 'Bearer ' + key;
    return result;
  }

  async function errorMessage(response) {
    try { const body = await response.json(); return response.status + ': ' + (body.message || JSON.stringify(body)); }
    catch { return 'HTTP ' + response.status; }
  }

  function show(results, documents) {
    const list = $('results');
    list.replaceChildren();
    results.forEach((result, rank) => {
      const item = document.createElement('li');
      item.className = 'result';
      const document_ = documents[result.index];
      const text = typeof document_ === 'string' ? document_ : document_.text;
      const score = result.relevance_score;
      item.innerHTML = '<div class="meta"><span class="rank"></span><span class="score"></span></div><div class="bar"><span></span></div><div class="text"></div>';
      item.querySelector('.rank').textContent = '#' + (rank + 1) + ' (document ' + (result.index + 1) + ')';
      item.querySelector('.score').textContent = score.toFixed(4);
      item.querySelector('.bar > span').style.width = (Math.max(0, Math.min(1, score)) * 100).toFixed(1) + '%';
      item.querySelector('.text').textContent = text;
      item.dataset.index = String(result.index);
      item.dataset.score = String(score);
      list.appendChild(item);
    });
  }

  $('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const documents = parseDocuments($('documents').value);
    if (documents.length === 0) { status('Give at least one document.', true); return; }
    const body = { query: $('query').value, documents };
    const topN = $('top-n').value.trim();
    if (topN !== '') body.top_n = Number(topN);
    $('rerank').disabled = true;
    status('Reranking ' + documents.length + ' documents…');
    try {
      const started = performance.now();
      const response = await fetch('v2/rerank', { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
      const latency = performance.now() - started;
      if (!response.ok) { $('results').replaceChildren(); status(await errorMessage(response), true); return; }
      const answer = await response.json();
      show(answer.results, documents);
      const info = await fetch('info', { headers: headers(false) });
      const model = info.ok ? (await info.json()).model_id : '(unknown model)';
      status(answer.results.length + ' of ' + documents.length + ' documents, ranked by ' + model + ' in ' + Math.round(latency) + ' ms');
      $('status').dataset.model = model;
      $('status').dataset.latencyMs = String(Math.round(latency));
    } catch (error) {
      status('Request failed: ' + error.message, true);
    } finally {
      $('rerank').disabled = false;
    }
  });
})();
</script>
</body>
</html>
`;
