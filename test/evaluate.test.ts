import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BiEncoder } from '../src/embed/biEncoder.js';
import { loadBeirDataset, readCorpus } from '../src/eval/beir.js';
import { evaluatePipeline } from '../src/eval/evaluate.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { Index, type FirstStage } from '../src/retrieve/searchIndex.js';
import { CrossEncoder } from '../src/rerank/crossEncoder.js';
import { repoRoot } from './support/paths.js';
import { testModel } from './support/testModels.js';

const work = mkdtempSync(join(tmpdir(), 'crossrank-evaluate-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('eval runs each first stage once per query and feeds every reranked run from it', async () => {
  const dataset = await loadBeirDataset(join(repoRoot, 'assets/examples/beir-mini'));
  const embedder = await BiEncoder.load((await testModel('tiny-embed')).dir, { threads: 1 });
  const reranker = await CrossEncoder.load((await testModel('tiny-bert')).dir, { threads: 1 });
  const index = await Index.build(join(work, 'index.sqlite'), readCorpus(dataset.corpusPath), { embedModel: embedder });
  try {
    // Count the real first stage's calls (and the query embeddings it makes), by query and stage.
    const calls = new Map<string, number>();
    const firstStage = index.firstStage.bind(index);
    index.firstStage = (query, stage, k) => {
      const key = `${stage}\t${query}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      return firstStage(query, stage, k);
    };
    let queryEmbeddings = 0;
    const embedQueries = embedder.embedQueries.bind(embedder);
    embedder.embedQueries = (queries) => {
      queryEmbeddings += queries.length;
      return embedQueries(queries);
    };

    const stages: FirstStage[] = ['bm25', 'dense', 'hybrid'];
    const pipeline = new Pipeline(index, reranker);
    const evaluation = await evaluatePipeline(pipeline, dataset, { stages, candidates: 10, firstStageWeight: 0.5 });

    const asked = [...dataset.queries.values()].filter((text) => text.trim() !== '');
    assert.ok(asked.length > 5);
    assert.equal(calls.size, stages.length * new Set(asked).size);
    for (const [key, count] of calls) assert.equal(count, 1, `first stage called ${count} times for ${key}`);
    // dense and hybrid embed each query once; bm25 not at all.
    assert.equal(queryEmbeddings, 2 * asked.length);

    // Three runs per stage: the first stage, reranked, and reranked mixed with it; the reranked runs hold the first stage's candidates.
    assert.deepEqual(evaluation.runs.map((run) => run.name), stages.flatMap((stage) => [stage, `${stage}+rerank`, `${stage}+rerank+${stage}@0.5`]));
    for (const run of evaluation.runs.filter((r) => r.reranked)) {
      const before = evaluation.runs.find((r) => r.stage === run.stage && !r.reranked)!;
      for (const [queryId, documents] of run.run) {
        assert.deepEqual(documents.map((d) => d.id).sort(), before.run.get(queryId)!.map((d) => d.id).sort(), `${run.name} ${queryId}`);
      }
    }
    // The reranked run is what search gives with the reranker's order alone.
    const [queryId, text] = [...dataset.queries].find(([, t]) => t.trim() !== '')!;
    const hits = await pipeline.search(text, { firstStage: 'bm25', candidates: 10, topN: 10, firstStageWeight: 0 });
    const reranked = evaluation.runs.find((r) => r.name === 'bm25+rerank')!.run.get(queryId)!;
    assert.deepEqual(reranked.map((d) => d.id), hits.map((h) => h.id));
  } finally {
    await index.close();
    await reranker.close();
    await embedder.close();
  }
});
