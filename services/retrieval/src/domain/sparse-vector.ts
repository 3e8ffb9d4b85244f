import { analyze } from './text-analysis';

/** FNV-1a, 32 bits: a stable token → sparse dimension mapping (collisions are rare and harmless). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A BM25-style sparse vector for Qdrant: term frequencies of the analysed text, saturated like
 * BM25's tf part; Qdrant's `idf` modifier supplies the inverse document frequency.
 */
export function sparseVector(text: string, k1 = 1.2): { indices: number[]; values: number[] } {
  const counts = new Map<number, number>();
  for (const token of analyze(text)) {
    const index = fnv1a(token);
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  const indices = [...counts.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => (counts.get(i)! * (k1 + 1)) / (counts.get(i)! + k1)) };
}
