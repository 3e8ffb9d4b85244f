/** A dense vector as the stores hand it over (Float32Array) or as tests and JSON write it. */
export type Vector = Float32Array | readonly number[];

export function dot(a: Vector, b: Vector): number {
  const n = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i] * b[i];
  return sum;
}

export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/**
 * Cosine similarity in [-1, 1]; 0 when either vector is missing, empty, of another dimension or
 * all zeros. A feature must never be NaN: "no evidence" is 0, the same value a model sees for an
 * absent sparse feature.
 */
export function cosine(a: Vector | undefined, b: Vector | undefined): number {
  if (!a || !b || a.length === 0 || a.length !== b.length) return 0;
  // One pass for the dot product and both norms: a request computes a few hundred of these.
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  const denominator = Math.sqrt(aa) * Math.sqrt(bb);
  if (!(denominator > 0)) return 0;
  return clamp(ab / denominator, -1, 1);
}

export function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
