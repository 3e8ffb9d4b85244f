/** The fields of a catalog product that query understanding learns from. */
export interface CatalogProduct {
  id: string;
  title: string;
  brand: string;
  /** Most general first, e.g. ["Shoes", "Running Shoes"]. */
  categoryPath: readonly string[];
  /** Attribute name (lower case) → value, e.g. { color: "black", size: "42" }. */
  attributes: Readonly<Record<string, string>>;
  /** When the source system last changed the product (ms since epoch); 0 when unknown. */
  updatedAtMs: number;
}

export type ChangeOutcome = 'applied' | 'stale' | 'unchanged';

/**
 * The catalog as query understanding sees it: the latest version of every product, fed by
 * upserts and deletes from the catalog topic. Applying a change is idempotent (redelivery
 * changes nothing), and an upsert older than the stored version is ignored, so replays and
 * out-of-order delivery converge on the same state.
 */
export class CatalogSnapshot {
  private readonly products = new Map<string, CatalogProduct>();
  private changeCount = 0;

  get size(): number {
    return this.products.size;
  }

  /** Increases with every change that altered the snapshot. */
  get version(): number {
    return this.changeCount;
  }

  upsert(product: CatalogProduct): ChangeOutcome {
    const current = this.products.get(product.id);
    if (current) {
      if (product.updatedAtMs > 0 && current.updatedAtMs > product.updatedAtMs) return 'stale';
      if (sameProduct(current, product)) {
        // Same content, newer timestamp: remember the timestamp so an older change arriving
        // later is still recognised as stale.
        if (product.updatedAtMs > current.updatedAtMs) this.products.set(product.id, product);
        return 'unchanged';
      }
    }
    this.products.set(product.id, product);
    this.changeCount++;
    return 'applied';
  }

  delete(id: string): ChangeOutcome {
    if (!this.products.delete(id)) return 'unchanged';
    this.changeCount++;
    return 'applied';
  }

  get(id: string): CatalogProduct | undefined {
    return this.products.get(id);
  }

  values(): IterableIterator<CatalogProduct> {
    return this.products.values();
  }
}

function sameProduct(a: CatalogProduct, b: CatalogProduct): boolean {
  if (a.title !== b.title || a.brand !== b.brand || a.categoryPath.join('\u0000') !== b.categoryPath.join('\u0000')) return false;
  const keysA = Object.keys(a.attributes);
  return keysA.length === Object.keys(b.attributes).length && keysA.every((k) => a.attributes[k] === b.attributes[k]);
}
