/** Item embeddings, from the retrieval service in production (RetrievalService.GetItemVectors). */
export interface ItemVectorBatch {
  /** Known items only; unknown or not yet embedded items are absent. */
  vectors: Map<string, Float32Array>;
  modelVersion: string;
}

export interface ItemVectorLookup {
  /** How long the source may take; its own default when absent. */
  timeoutMs?: number;
}

export interface ItemVectorSource {
  getVectors(itemIds: readonly string[], lookup?: ItemVectorLookup): Promise<ItemVectorBatch>;
}
