import { createHash } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { AppError } from '@shopsense/errors';
import { recommendationVector, type VectorHit, type VectorPoint, type VectorStore } from '../application/vector-store.port';
import type { ItemPayload, NormalizedFilters } from '../domain/filters';

export interface QdrantVectorStoreOptions {
  url: string;
  apiKey?: string | undefined;
  /** The alias over the published index; collections behind it are `<alias>_<model version>`. */
  alias: string;
  /** Points per upsert request. */
  batchSize?: number;
  /** Ids per retrieve request: 256 point ids are ~10 KB of request and ~1 MB of 384-d vectors in JSON. */
  retrieveBatchSize?: number;
  /** How long a search or read may take before it fails (the caller then serves without this source). */
  timeoutMs: number;
  /** How long a write or a collection change may take (upserts wait for Qdrant to apply them). */
  writeTimeoutMs: number;
}

type QdrantFilter = { must?: object[]; must_not?: object[] };

/** Qdrant point ids are UUIDs or integers: derive a stable UUID from the product id. */
export function pointId(itemId: string): string {
  const hex = createHash('sha1').update(`shopsense:${itemId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The collection of one model version: `<alias>__<readable version>_<hash>`. Vectors of two models
 * are not comparable, so each version has its own collection and a pod only ever reads the one of
 * the model it queries with, also while two versions run side by side during a rollout.
 */
export function collectionFor(alias: string, modelVersion: string): string {
  const readable = modelVersion.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 40);
  return `${collectionPrefix(alias)}${readable}_${createHash('sha1').update(modelVersion).digest('hex').slice(0, 8)}`;
}

/** What every collection of an alias's versions starts with (and no other alias's, for aliases without "__"). */
export const collectionPrefix = (alias: string) => `${alias}__`;

/** Removes an alias and every version collection behind it (tests and benchmarks clean up with this). */
export async function dropAliasAndVersions(client: QdrantClient, alias: string): Promise<void> {
  await client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: alias } }] }).catch(() => undefined);
  for (const { name } of (await client.getCollections()).collections) if (name.startsWith(collectionPrefix(alias))) await client.deleteCollection(name);
}

/** All prefixes of a category path, so "a category matches its descendants" is one keyword match. */
export function categoryPrefixes(path: readonly string[]): string[] {
  return path.map((_, i) => path.slice(0, i + 1).join('/'));
}

function payloadOf(id: string, payload: ItemPayload) {
  return {
    item_id: id,
    category_prefixes: categoryPrefixes(payload.categoryPath),
    category_path: payload.categoryPath,
    brand: payload.brand,
    price: payload.price,
    in_stock: payload.inStock,
    attribute_pairs: Object.entries(payload.attributes).map(([k, v]) => `${k}=${v}`),
  };
}

/** The normalised filters as a Qdrant filter, with the same semantics as `matchesFilters`. */
export function toQdrantFilter(f: NormalizedFilters, excludeIds?: ReadonlySet<string>): QdrantFilter | undefined {
  const must: object[] = [];
  if (f.categoryPrefix.length > 0) must.push({ key: 'category_prefixes', match: { value: f.categoryPrefix.join('/') } });
  if (f.brands.length > 0) must.push({ key: 'brand', match: { any: f.brands } });
  if (f.minPrice !== undefined || f.maxPrice !== undefined) must.push({ key: 'price', range: { ...(f.minPrice !== undefined ? { gte: f.minPrice } : {}), ...(f.maxPrice !== undefined ? { lte: f.maxPrice } : {}) } });
  if (f.inStock !== undefined) must.push({ key: 'in_stock', match: { value: f.inStock } });
  for (const [key, value] of f.attributes) must.push({ key: 'attribute_pairs', match: { value: `${key}=${value}` } });
  const mustNot = excludeIds && excludeIds.size > 0 ? [{ has_id: [...excludeIds].map(pointId) }] : [];
  if (must.length === 0 && mustNot.length === 0) return undefined;
  return { ...(must.length ? { must } : {}), ...(mustNot.length ? { must_not: mustNot } : {}) };
}

const PAYLOAD_INDEXES: [string, 'keyword' | 'float' | 'bool'][] = [
  ['item_id', 'keyword'],
  ['category_prefixes', 'keyword'],
  ['brand', 'keyword'],
  ['price', 'float'],
  ['in_stock', 'bool'],
  ['attribute_pairs', 'keyword'],
];

/**
 * The production vector store. One collection per model version (`collectionFor`) with a named
 * dense vector (`dense`, cosine) and a payload index for every filter field; the alias points at
 * the version last published, moved in one atomic step once a new version's collection is full.
 * Lexical retrieval stays in the retrieval process (BM25F over the catalog it holds), in every mode.
 */
export class QdrantVectorStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  /** Searches and reads, on the request path: a short timeout, so a hung Qdrant costs one source, not the Search. */
  private readonly reader: QdrantClient;
  /** Writes and collection changes: a long timeout (upserts wait for Qdrant to apply them). */
  private readonly client: QdrantClient;
  private collection = '';

  constructor(private readonly options: QdrantVectorStoreOptions) {
    // checkCompatibility would call the server from the constructor (conventions: no I/O there).
    const common = { url: options.url, ...(options.apiKey ? { apiKey: options.apiKey } : {}), checkCompatibility: false };
    this.reader = new QdrantClient({ ...common, timeout: options.timeoutMs });
    this.client = new QdrantClient({ ...common, timeout: options.writeTimeoutMs });
  }

  async init(dimension: number, modelVersion: string): Promise<void> {
    this.collection = collectionFor(this.options.alias, modelVersion);
    if (!(await this.client.collectionExists(this.collection)).exists) {
      await this.client.createCollection(this.collection, { vectors: { dense: { size: dimension, distance: 'Cosine' } } });
    } else {
      const info = await this.client.getCollection(this.collection);
      const vectors = info.config.params.vectors as Record<string, { size: number }> | undefined;
      const size = vectors?.['dense']?.size;
      if (size !== undefined && size !== dimension) throw new Error(`Qdrant collection ${this.collection} holds ${size}-d vectors, the model makes ${dimension}-d ones`);
    }
    for (const [field, schema] of PAYLOAD_INDEXES) {
      await this.client.createPayloadIndex(this.collection, { field_name: field, field_schema: schema, wait: true });
    }
  }

  /**
   * Points the alias at this version's collection in one atomic step (readers of the alias never
   * see a gap), then drops the collections of versions before the one it replaced: pods still on
   * the previous model read that one until they are replaced, none reads an older one.
   */
  async publish(): Promise<void> {
    const current = (await this.client.getAliases()).aliases.find((a) => a.alias_name === this.options.alias)?.collection_name;
    if (current === this.collection) return;
    await this.client.updateCollectionAliases({
      actions: [...(current ? [{ delete_alias: { alias_name: this.options.alias } }] : []), { create_alias: { collection_name: this.collection, alias_name: this.options.alias } }],
    });
    for (const { name } of (await this.client.getCollections()).collections) {
      if (name.startsWith(collectionPrefix(this.options.alias)) && name !== this.collection && name !== current) await this.client.deleteCollection(name);
    }
  }

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    const batchSize = this.options.batchSize ?? 256;
    for (let i = 0; i < points.length; i += batchSize) {
      await this.client.upsert(this.collection, {
        wait: true,
        points: points.slice(i, i + batchSize).map((p) => ({ id: pointId(p.id), vector: { dense: Array.from(p.vector) }, payload: payloadOf(p.id, p.payload) })),
      });
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    const batchSize = this.options.batchSize ?? 256;
    for (let i = 0; i < ids.length; i += batchSize) await this.client.delete(this.collection, { wait: true, points: ids.slice(i, i + batchSize).map(pointId) });
  }

  async search(vector: Float32Array, k: number, filters: NormalizedFilters, excludeIds?: ReadonlySet<string>): Promise<VectorHit[]> {
    if (k <= 0) return [];
    const filter = toQdrantFilter(filters, excludeIds);
    const result = await this.read('search', () => this.reader.query(this.collection, { query: Array.from(vector), using: 'dense', limit: k, with_payload: ['item_id'], ...(filter ? { filter } : {}) }));
    return this.toHits(result.points);
  }

  async recommend(positiveIds: readonly string[], negativeIds: readonly string[], k: number, filters: NormalizedFilters): Promise<VectorHit[]> {
    // The same "average vector" strategy as the embedded store, computed here so both agree.
    const vectors = await this.getVectors([...positiveIds, ...negativeIds]);
    const query = recommendationVector(positiveIds.flatMap((id) => vectors.get(id) ?? []), negativeIds.flatMap((id) => vectors.get(id) ?? []));
    if (!query) return [];
    return this.search(query, k, filters, new Set([...positiveIds, ...negativeIds]));
  }

  /** In requests of `retrieveBatchSize` ids, one after another: a whole catalog in one request passed the server's 32 MB limit. */
  async getVectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    const batchSize = this.options.retrieveBatchSize ?? 256;
    for (let i = 0; i < ids.length; i += batchSize) {
      const points = await this.read('retrieve', () => this.reader.retrieve(this.collection, { ids: ids.slice(i, i + batchSize).map(pointId), with_vector: ['dense'], with_payload: ['item_id'] }));
      for (const p of points) {
        const dense = (p.vector as Record<string, number[]> | undefined)?.['dense'];
        const id = (p.payload as { item_id?: string } | null)?.item_id;
        if (dense && id) out.set(id, Float32Array.from(dense));
      }
    }
    return out;
  }

  async count(): Promise<number> {
    return (await this.client.count(this.collection, { exact: true })).count;
  }

  async flush(): Promise<void> {
    // Every write above waits for Qdrant to apply it (wait: true).
  }

  async close(): Promise<void> {
    // The REST client holds no connection to close.
  }

  /** A read on the request path; past its timeout, an error that says which setting bounded it. */
  private async read<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if ((error as { name?: string }).name === 'AbortError' || (error as { name?: string }).name === 'TimeoutError') {
        throw new AppError('DEADLINE_EXCEEDED', `Qdrant ${what} got no answer within ${this.options.timeoutMs} ms (RETRIEVAL_QDRANT_TIMEOUT_MS)`, { cause: error });
      }
      throw error;
    }
  }

  private toHits(points: { payload?: Record<string, unknown> | null; score: number }[]): VectorHit[] {
    return points.map((p) => ({ id: String(p.payload?.['item_id']), score: p.score }));
  }
}
