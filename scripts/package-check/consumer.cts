// The same public types seen from a CommonJS TypeScript file.
import crossrank = require('crossrank');

export async function firstScore(query: string, documents: string[]): Promise<number | undefined> {
  const ce = await crossrank.CrossEncoder.load();
  const [top] = await ce.rerank(query, documents, { topN: 1 });
  await ce.close();
  return top?.score;
}
