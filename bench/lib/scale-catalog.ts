import type { Random } from '@shopsense/random';

/**
 * A catalog of n products from a smaller one: copies of its products in turn, each with an id
 * and a model number of its own appended to the title, so the vocabulary grows with the catalog
 * as a real one's does (a plain copy would only repeat the same words).
 */
export function scaleCatalog<T extends { id: string; title: string }>(base: readonly T[], n: number, random: Random): T[] {
  return Array.from({ length: n }, (_, i) => {
    const product = base[i % base.length]!;
    return { ...product, id: `scale-${i}`, title: `${product.title} ${'ABCDEFGHJKLMNPQRSTUVWXYZ'[random.int(24)]}${random.int(100_000)}` };
  });
}
