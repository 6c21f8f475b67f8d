import type { Callbacks } from '@langchain/core/callbacks/manager';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import type { CrossEncoder } from '../rerank/crossEncoder.js';

export interface CrossrankCompressorOptions {
  /** Keep only the best `topN` documents; default: all of them, reordered. */
  topN?: number;
}

/**
 * A LangChain.js document compressor that reranks with a loaded CrossEncoder, in-process: for a
 * ContextualCompressionRetriever, or on its own. Returns the documents best first, as new
 * Documents (the input is not changed) with the score in `metadata.relevanceScore`, as
 * `@langchain/cohere`'s CohereRerank does.
 */
export class CrossrankCompressor extends BaseDocumentCompressor {
  readonly topN: number | undefined;

  constructor(
    private readonly encoder: CrossEncoder,
    options: CrossrankCompressorOptions = {},
  ) {
    super();
    this.topN = options.topN;
  }

  override async compressDocuments(documents: DocumentInterface[], query: string, _callbacks?: Callbacks): Promise<DocumentInterface[]> {
    if (documents.length === 0) return [];
    const ranked = await this.encoder.rerank(
      query,
      documents.map((document) => document.pageContent),
      { topN: this.topN },
    );
    return ranked.map(({ index, score }) => {
      const document = documents[index]!;
      return new Document({ pageContent: document.pageContent, id: document.id, metadata: { ...document.metadata, relevanceScore: score } });
    });
  }
}
