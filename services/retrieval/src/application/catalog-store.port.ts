import type { Product } from '@shopsense/contracts';

export interface StoredProduct {
  product: Product;
  /** Hash of the whole product: equal means an upsert has nothing to do. */
  contentHash: string;
  /** Hash of the text the vector was made from: equal means the vector can be kept. */
  embeddingHash: string;
}

/** The catalog of record inside the retrieval service: products by id, durable. */
export interface CatalogStore {
  open(): Promise<void>;
  get(id: string): StoredProduct | undefined;
  put(records: readonly StoredProduct[]): Promise<void>;
  /** Deletes the given ids; returns those that existed. */
  delete(ids: readonly string[]): Promise<string[]>;
  all(): IterableIterator<StoredProduct>;
  readonly size: number;
  close(): Promise<void>;
}
