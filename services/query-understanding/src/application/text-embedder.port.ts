export type EmbeddingKind = 'query' | 'document';

export interface EmbeddedTexts {
  /** One vector per text, in input order. */
  vectors: Float32Array[];
  /** Vectors of different model versions must never be compared. */
  modelVersion: string;
}

/**
 * The embedding model as query understanding needs it (the embedding service over gRPC in
 * production; a fake in unit tests). Implementations honour the timeout and the signal.
 */
export interface TextEmbedder {
  /** `bulk`: background work (training), served after the queries that someone waits for. */
  embed(texts: readonly string[], kind: EmbeddingKind, options: { timeoutMs: number; signal?: AbortSignal; priority?: 'interactive' | 'bulk' }): Promise<EmbeddedTexts>;
  close(): void;
}

export const TEXT_EMBEDDER = Symbol('TEXT_EMBEDDER');
