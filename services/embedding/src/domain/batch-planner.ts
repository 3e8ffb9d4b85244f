/**
 * Splits waiting texts into inference batches. Texts are sorted by token count so each batch
 * holds texts of similar length and pads little (length bucketing); no batch exceeds
 * `maxBatchSize` texts or `maxBatchTokens` padded tokens.
 */
export function planBatches<T extends { tokenCount: number }>(items: readonly T[], maxBatchSize: number, maxBatchTokens: number): T[][] {
  const sorted = [...items].sort((a, b) => a.tokenCount - b.tokenCount);
  const batches: T[][] = [];
  let current: T[] = [];
  for (const item of sorted) {
    // Sorted ascending, so this item's length is the padded length of the batch if it joins.
    const paddedTokens = (current.length + 1) * item.tokenCount;
    if (current.length > 0 && (current.length >= maxBatchSize || paddedTokens > maxBatchTokens)) {
      batches.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
