/**
 * Compact vectors: int8 with one float scale per vector (value ≈ q × scale). A 384-d vector
 * takes 384 bytes instead of 1,536 as float32, with a relative error under 1/254 of the
 * largest component, far below what the cosine between interest vectors and item embeddings
 * can notice.
 */
export interface QuantizedVector {
  scale: number;
  values: Int8Array;
}

export function quantizeInt8(vector: ArrayLike<number>): QuantizedVector {
  let maxAbs = 0;
  for (let i = 0; i < vector.length; i++) {
    const a = Math.abs(vector[i]!);
    if (a > maxAbs) maxAbs = a;
  }
  const values = new Int8Array(vector.length);
  // Stored as float32: quantise with the value that will come back, so encode → decode is
  // stable. A vector so small that its scale underflows float32 is stored as zero.
  const scale = Number.isFinite(maxAbs) ? Math.fround(maxAbs / 127) : 0;
  if (scale === 0) return { scale: 0, values };
  for (let i = 0; i < vector.length; i++) values[i] = Math.max(-127, Math.min(127, Math.round(vector[i]! / scale)));
  return { scale, values };
}

/**
 * Quantises straight into `target` at `offset` (no intermediate array: profiles are re-encoded
 * on every write, so this is on the ingestion hot path). Returns the scale.
 */
export function quantizeInt8Into(vector: ArrayLike<number>, target: Buffer, offset: number): number {
  let maxAbs = 0;
  for (let i = 0; i < vector.length; i++) {
    const a = Math.abs(vector[i]!);
    if (a > maxAbs) maxAbs = a;
  }
  const scale = Number.isFinite(maxAbs) ? Math.fround(maxAbs / 127) : 0;
  if (scale === 0) {
    target.fill(0, offset, offset + vector.length);
    return 0;
  }
  for (let i = 0; i < vector.length; i++) {
    const q = Math.round(vector[i]! / scale);
    target[offset + i] = (q > 127 ? 127 : q < -127 ? -127 : q) & 0xff;
  }
  return scale;
}

export function dequantizeInt8(values: Int8Array, scale: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * scale;
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity; 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}
