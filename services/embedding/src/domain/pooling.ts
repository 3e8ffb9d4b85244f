/** How token vectors become one sentence vector, as the model card prescribes. */
export type Pooling = 'mean' | 'cls';

/**
 * Pools one sequence of a batch from the model's last hidden state.
 *
 * `hidden` is the flat [batch, sequenceLength, dimension] output; `mask` is the attention mask
 * of that row (1 for real tokens, 0 for padding). Mean pooling averages only unmasked tokens,
 * so the padding a batch adds never changes a text's vector.
 */
export function poolRow(hidden: Float32Array, row: number, sequenceLength: number, dimension: number, mask: ArrayLike<number>, pooling: Pooling): Float32Array {
  const out = new Float32Array(dimension);
  const rowOffset = row * sequenceLength * dimension;
  if (pooling === 'cls') {
    out.set(hidden.subarray(rowOffset, rowOffset + dimension));
    return out;
  }
  let count = 0;
  for (let t = 0; t < sequenceLength; t++) {
    if (!mask[t]) continue;
    count++;
    const offset = rowOffset + t * dimension;
    for (let d = 0; d < dimension; d++) out[d]! += hidden[offset + d]!;
  }
  const divisor = Math.max(count, 1e-9);
  for (let d = 0; d < dimension; d++) out[d]! /= divisor;
  return out;
}

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 1e-12) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(na) * Math.sqrt(nb) || 1);
}
