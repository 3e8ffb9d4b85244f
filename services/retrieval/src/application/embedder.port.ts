/** One document's vector, or why the embedding service would not take its text (the rest of the batch is unaffected). */
export type DocumentEmbedding = { vector: Float32Array } | { problem: string };

/** The embedding service as the retrieval service needs it. */
export interface Embedder {
  /** Dimension and version of the model behind it (asked once at start). */
  describe(): Promise<{ dimension: number; version: string }>;
  /** One result per text, in order: a text the service refuses fails alone, as its own result. */
  embedDocuments(texts: readonly string[]): Promise<DocumentEmbedding[]>;
  embedQuery(text: string): Promise<Float32Array>;
}
