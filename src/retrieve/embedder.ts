/**
 * What an index needs of an embedding model: vectors for queries and documents, and what it
 * records about the model that made them. BiEncoder is one; an index takes any.
 */
export interface Embedder {
  readonly info: {
    /** Recorded in the index, so a later search embeds its queries with the same model. */
    modelDir: string;
    dimension: number;
    queryPrefix: string;
    documentPrefix: string;
  };
  embedQueries(queries: readonly string[]): Promise<Float32Array[]>;
  embedDocuments(documents: readonly string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}
