/** The embedding service as the retrieval service needs it. */
export interface Embedder {
  /** Dimension and version of the model behind it (asked once at start). */
  describe(): Promise<{ dimension: number; version: string }>;
  embedDocuments(texts: readonly string[]): Promise<Float32Array[]>;
  embedQuery(text: string): Promise<Float32Array>;
}

export const EMBEDDER = Symbol('EMBEDDER');
