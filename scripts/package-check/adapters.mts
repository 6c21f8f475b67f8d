// The adapters' public types, with their frameworks installed, under the same strict tsc.
import type { RerankingModelV3 } from '@ai-sdk/provider';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import { CrossEncoder } from 'crossrank';
import { crossrankRerankingModel } from 'crossrank/ai-sdk';
import { CrossrankCompressor } from 'crossrank/langchain';
import { CrossrankPostprocessor } from 'crossrank/llamaindex';

const ce = await CrossEncoder.load();
export const model: RerankingModelV3 = crossrankRerankingModel(ce, { modelId: 'starter' });
export const compressor: BaseDocumentCompressor = new CrossrankCompressor(ce, { topN: 3 });
export const postprocessor: BaseNodePostprocessor = new CrossrankPostprocessor(ce, { topN: 3 });
