import type { MessageContent } from '@llamaindex/core/llms';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import { MetadataMode, type NodeWithScore } from '@llamaindex/core/schema';
import { extractText } from '@llamaindex/core/utils';
import { InputError } from '../errors.js';
import type { CrossEncoder } from '../rerank/crossEncoder.js';

export interface CrossrankPostprocessorOptions {
  /** Keep only the best `topN` nodes; default: all of them, reordered. */
  topN?: number;
  /**
   * What of a node is scored: its text only (default, `MetadataMode.NONE`), or with metadata
   * (`MetadataMode.ALL` is what LlamaIndex's CohereRerank sends).
   */
  metadataMode?: MetadataMode;
}

/**
 * A LlamaIndex.TS node postprocessor that reranks retrieved nodes with a loaded CrossEncoder,
 * in-process (for a query engine's `nodePostprocessors`, or on its own). Nodes come back best
 * first with the reranker's score; the nodes themselves are not changed.
 */
export class CrossrankPostprocessor implements BaseNodePostprocessor {
  readonly topN: number | undefined;
  readonly metadataMode: MetadataMode;

  constructor(
    private readonly encoder: CrossEncoder,
    options: CrossrankPostprocessorOptions = {},
  ) {
    this.topN = options.topN;
    this.metadataMode = options.metadataMode ?? MetadataMode.NONE;
  }

  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    if (query === undefined) throw new InputError('CrossrankPostprocessor needs the query to rerank nodes');
    if (nodes.length === 0) return [];
    const ranked = await this.encoder.rerank(
      extractText(query),
      nodes.map(({ node }) => node.getContent(this.metadataMode)),
      { topN: this.topN },
    );
    return ranked.map(({ index, score }) => ({ node: nodes[index]!.node, score }));
  }
}
