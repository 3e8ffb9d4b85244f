import { createHash } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import { ProductSchema, type Product } from '@shopsense/contracts';
import type { Logger } from '@shopsense/observability';
import type { Bm25Index } from '../domain/bm25-index';
import { payloadOf } from '../domain/filters';
import { embeddingText, productProblem } from '../domain/product-rules';
import type { CatalogStore, StoredProduct } from './catalog-store.port';
import type { Embedder } from './embedder.port';
import type { VectorStore } from './vector-store.port';

export interface UpsertOutcome {
  accepted: number;
  unchanged: number;
  rejections: { index: number; productId: string; reason: string }[];
}

/** Called with products that changed, so other consumers (the catalog topic) hear of them. */
export type CatalogChangeSink = {
  upserted(products: readonly Product[]): Promise<void>;
  deleted(ids: readonly string[]): Promise<void>;
};

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

/** Hash of everything but the timestamp: re-sending a product unchanged is a no-op. */
export function contentHash(product: Product): string {
  return sha256(toBinary(ProductSchema, create(ProductSchema, { ...product, updatedAt: undefined })));
}

export function lexicalDocument(product: Product) {
  return { id: product.id, title: product.title, brand: product.brand, category: product.categoryPath.join(' '), description: product.description };
}

/**
 * Keeps the catalog store, the vector store and the lexical index in step. Products are
 * validated one by one (a bad one is rejected with its reason, the rest go on), unchanged
 * ones cost nothing, changed ones whose text is the same keep their vector, and only the rest
 * are embedded, in batches.
 */
export class CatalogIndexer {
  constructor(
    private readonly catalog: CatalogStore,
    private readonly vectors: VectorStore,
    private readonly lexical: Bm25Index,
    private readonly embedder: Embedder,
    private readonly logger: Logger,
    private readonly sink?: CatalogChangeSink,
  ) {}

  /** Fills the lexical index from the stored catalog at start (vectors are on disk already). */
  rebuildLexicalIndex(): void {
    for (const { product } of this.catalog.all()) this.lexical.upsert(lexicalDocument(product));
  }

  async upsert(products: readonly Product[], options: { publish: boolean } = { publish: true }): Promise<UpsertOutcome> {
    const outcome: UpsertOutcome = { accepted: 0, unchanged: 0, rejections: [] };
    let changed: { index: number; product: Product; contentHash: string; embeddingHash: string; keepVector: boolean }[] = [];
    const seen = new Set<string>();
    products.forEach((product, index) => {
      const problem = productProblem(product) ?? (seen.has(product.id) ? 'duplicate id in the same request' : undefined);
      if (problem) {
        outcome.rejections.push({ index, productId: product.id, reason: problem });
        return;
      }
      seen.add(product.id);
      const hash = contentHash(product);
      const stored = this.catalog.get(product.id);
      if (stored?.contentHash === hash) {
        outcome.unchanged++;
        return;
      }
      const embeddingHash = sha256(embeddingText(product));
      changed.push({ index, product, contentHash: hash, embeddingHash, keepVector: stored?.embeddingHash === embeddingHash });
    });
    if (changed.length === 0) return outcome;

    const kept = await this.vectors.getVectors(changed.filter((c) => c.keepVector).map((c) => c.product.id));
    // New text, or a kept vector that went missing (e.g. a restored catalog without its index).
    const toEmbed = changed.filter((c) => !c.keepVector || !kept.has(c.product.id));
    const fresh = await this.embedder.embedDocuments(toEmbed.map((c) => embeddingText(c.product)));
    const vectorById = new Map<string, Float32Array>();
    const refused = new Set<string>();
    toEmbed.forEach((c, i) => {
      const result = fresh[i]!;
      if ('vector' in result) vectorById.set(c.product.id, result.vector);
      else {
        // This product alone is rejected, with the embedding service's reason; the rest go on.
        outcome.rejections.push({ index: c.index, productId: c.product.id, reason: `the embedding model cannot take its text: ${result.problem}` });
        refused.add(c.product.id);
      }
    });
    if (refused.size > 0) {
      changed = changed.filter((c) => !refused.has(c.product.id));
      outcome.rejections.sort((a, b) => a.index - b.index);
    }
    if (changed.length === 0) return outcome;
    const points = changed.map((c) => ({ id: c.product.id, vector: vectorById.get(c.product.id) ?? kept.get(c.product.id)!, payload: payloadOf(c.product) }));

    await this.vectors.upsert(points);
    await this.catalog.put(changed.map<StoredProduct>((c) => ({ product: c.product, contentHash: c.contentHash, embeddingHash: c.embeddingHash })));
    for (const c of changed) this.lexical.upsert(lexicalDocument(c.product));
    outcome.accepted = changed.length;
    if (options.publish && this.sink) await this.sink.upserted(changed.map((c) => c.product));
    this.logger.debug({ accepted: changed.length, embedded: vectorById.size, refused: refused.size, unchanged: outcome.unchanged }, 'catalog upsert');
    return outcome;
  }

  async delete(ids: readonly string[], options: { publish: boolean } = { publish: true }): Promise<string[]> {
    const deleted = await this.catalog.delete(ids);
    await this.vectors.delete(deleted);
    for (const id of deleted) this.lexical.delete(id);
    if (options.publish && this.sink && deleted.length > 0) await this.sink.deleted(deleted);
    return deleted;
  }
}
