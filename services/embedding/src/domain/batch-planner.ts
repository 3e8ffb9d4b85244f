export interface BatchLimits {
  maxBatchSize: number;
  /** Padded tokens per batch at most, bounding memory on long texts. */
  maxBatchTokens: number;
  /**
   * Padded tokens over real tokens at most (1 = no padding allowed). A padded position costs
   * the same compute as a real one: on CPU, where batching gains ~30% over one text at a time,
   * a batch padded by more than that runs slower than its texts would alone.
   */
  maxPaddingRatio: number;
}

/**
 * Splits waiting texts into inference batches. Texts are sorted by token count so each batch
 * holds texts of similar length (length bucketing); a batch ends where the next text would
 * take it past `maxBatchSize` texts, `maxBatchTokens` padded tokens or `maxPaddingRatio`.
 */
export function planBatches<T extends { tokenCount: number }>(items: readonly T[], limits: BatchLimits): T[][] {
  const sorted = [...items].sort((a, b) => a.tokenCount - b.tokenCount);
  const batches: T[][] = [];
  let current: T[] = [];
  let realTokens = 0;
  for (const item of sorted) {
    // Sorted ascending, so this item's length is the padded length of the batch if it joins.
    const paddedTokens = (current.length + 1) * item.tokenCount;
    const full = current.length >= limits.maxBatchSize || paddedTokens > limits.maxBatchTokens;
    const wasteful = paddedTokens > (realTokens + item.tokenCount) * limits.maxPaddingRatio;
    if (current.length > 0 && (full || wasteful)) {
      batches.push(current);
      current = [];
      realTokens = 0;
    }
    current.push(item);
    realTokens += item.tokenCount;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
