/**
 * Deterministic item embeddings for tests and the benchmark: item `c<k>-<anything>` gets the
 * unit vector of axis k plus small noise seeded by its id, normalised. Items of one category
 * are close to each other (cosine ≈ 0.9) and nearly orthogonal to other categories, so a user's
 * interest can be checked against a category centroid. Ids without a category prefix are
 * "unknown to retrieval" (no vector).
 */
import { seededRandom } from '@shopsense/random';
export const CATEGORY_PREFIX = /^c(\d+)-/;

/** Uniform numbers seeded by a string (its FNV-1a hash), the same on every run. */
function randomFor(seed: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return seededRandom(h).next;
}

export function itemVector(itemId: string, dimension: number, noise = 0.35): Float32Array | undefined {
  const match = CATEGORY_PREFIX.exec(itemId);
  if (!match) return undefined;
  const random = randomFor(itemId);
  const v = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) v[i] = (random() * 2 - 1) * (noise / Math.sqrt(dimension)) * Math.sqrt(3);
  v[Number(match[1]) % dimension]! += 1;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** The mean direction of a category's items: its axis. */
export function categoryCentroid(category: number, dimension: number): Float32Array {
  const v = new Float32Array(dimension);
  v[category % dimension] = 1;
  return v;
}
