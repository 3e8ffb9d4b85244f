import type { VectorPoint } from '../application/vector-store.port';
import { payloadOf } from '../domain/filters';
import { seededRandom } from '@shopsense/random';

/** Uniform numbers in [0, 1) from a seed: the same sequence on every run. */
export function prng(seed: number): () => number {
  return seededRandom(seed).next;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/**
 * Vectors shaped like product embeddings: clustered around topic centroids (real embeddings
 * are far from uniform on the sphere), each with a payload; `rareShare` of the items carry
 * category "rare", for the 1%-selective filter.
 */
export function syntheticCatalog(count: number, dimension: number, seed = 7, rareShare = 0.01): { points: VectorPoint[]; queries: Float32Array[] } {
  const random = prng(seed);
  const centroids = Array.from({ length: 256 }, () => normalize(Float32Array.from({ length: dimension }, () => gaussian(random))));
  const around = (centroid: Float32Array, spread: number) => normalize(Float32Array.from(centroid, (x) => x + spread * gaussian(random)));
  const points: VectorPoint[] = [];
  for (let i = 0; i < count; i++) {
    const rare = random() < rareShare;
    points.push({
      id: `p${i}`,
      vector: around(centroids[Math.floor(random() * centroids.length)]!, 0.08),
      payload: payloadOf({ categoryPath: rare ? ['rare'] : ['common', `c${i % 20}`], brand: `b${i % 50}`, price: (i % 500) + 1, inStock: i % 7 !== 0, attributes: {} }),
    });
  }
  const queries = Array.from({ length: 200 }, () => around(centroids[Math.floor(random() * centroids.length)]!, 0.1));
  return { points, queries };
}
