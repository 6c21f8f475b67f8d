// Type-checked by a consumer's strict tsc (skipLibCheck: false): every public .d.ts crossrank
// ships, and the dependency types they reach, must compile.
import { CrossEncoder, QueuedReranker, type PairEncoding, type RerankResult, type CrossEncoderOptions } from 'crossrank';

const options: CrossEncoderOptions = { threads: 1, activation: 'sigmoid' };
const ce: CrossEncoder = await CrossEncoder.load(undefined, options);
const ranked: RerankResult[] = await ce.rerank('q', ['a', 'b'], { topN: 1 });
const best: number = ranked[0]!.score;
const encoding: PairEncoding | undefined = undefined;
export { best, encoding, QueuedReranker };
