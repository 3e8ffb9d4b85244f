import type { Product } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import type { CatalogStore, StoredProduct } from '../application/catalog-store.port';
import { lexicalDocument } from '../application/catalog-indexer';
import type { Embedder } from '../application/embedder.port';
import { RetrievalApplicationService } from '../application/retrieval.service';
import type { VectorStore } from '../application/vector-store.port';
import { Bm25Index } from '../domain/bm25-index';

/**
 * The retrieval service over an in-memory catalog and a real BM25 index, with vector sources
 * that find nothing: for tests and benchmarks of what the lexical side computes (facets, sorted
 * lists) without a model.
 */
export function lexicalRetrievalOver(products: readonly Product[]): RetrievalApplicationService {
  const records: StoredProduct[] = products.map((product) => ({ product, contentHash: product.id, embeddingHash: product.id }));
  const byId = new Map(records.map((r) => [r.product.id, r]));
  const catalog = { all: () => records.values(), get: (id: string) => byId.get(id), size: records.length } as unknown as CatalogStore;
  const lexical = new Bm25Index();
  for (const product of products) lexical.upsert(lexicalDocument(product));
  const vectors = { search: async () => [], recommend: async () => [] } as unknown as VectorStore;
  return new RetrievalApplicationService(catalog, vectors, lexical, {} as Embedder, createLogger('lexical-retrieval', 'warn'), 384);
}
