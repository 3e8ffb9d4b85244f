import type { CatalogService, Product } from '@shopsense/contracts';
import { AppError, FieldValidator } from '@shopsense/errors';
import type { ServiceImplementation } from '@shopsense/grpc';
import type { CatalogIndexer } from '../application/catalog-indexer';
import type { CatalogStore } from '../application/catalog-store.port';
import { RETRIEVAL_LIMITS } from '../application/retrieval.service';
import type { VectorStore } from '../application/vector-store.port';

/** Products are indexed in chunks of this many as a stream arrives, so memory stays flat. */
const STREAM_CHUNK = 256;

/** gRPC transport of CatalogService. */
export function catalogGrpcImplementation(indexer: CatalogIndexer, catalog: CatalogStore, vectors: Pick<VectorStore, 'count'>): ServiceImplementation<typeof CatalogService> {
  return {
    async upsertProducts(requests) {
      let accepted = 0;
      let unchanged = 0;
      const rejections: { productId: string; index: bigint; reason: string }[] = [];
      let offset = 0;
      let chunk: Product[] = [];
      const seen = new Set<string>();
      const flush = async () => {
        const result = await indexer.upsert(chunk);
        accepted += result.accepted;
        unchanged += result.unchanged;
        for (const r of result.rejections) rejections.push({ productId: r.productId, index: BigInt(offset + r.index), reason: r.reason });
        offset += chunk.length;
        chunk = [];
      };
      // Indexes stay aligned with stream positions: a skipped message first flushes the chunk.
      const flushIfAny = async () => {
        if (chunk.length > 0) await flush();
      };
      for await (const request of requests) {
        const product = request.product;
        if (!product) {
          await flushIfAny();
          rejections.push({ productId: '', index: BigInt(offset), reason: 'product is required' });
          offset++;
          continue;
        }
        // A repeated id within one stream is a mistake in the feed, not an update.
        if (product.id && seen.has(product.id)) {
          await flushIfAny();
          rejections.push({ productId: product.id, index: BigInt(offset), reason: 'duplicate id in the same stream' });
          offset++;
          continue;
        }
        if (product.id) seen.add(product.id);
        chunk.push(product);
        if (chunk.length >= STREAM_CHUNK) await flush();
      }
      await flushIfAny();
      rejections.sort((a, b) => Number(a.index - b.index));
      return { accepted: BigInt(accepted), unchanged: BigInt(unchanged), rejected: BigInt(rejections.length), rejections };
    },

    async deleteProducts(request) {
      new FieldValidator()
        .check(request.productIds.length > 0, 'product_ids', 'must contain at least one id')
        .check(request.productIds.length <= RETRIEVAL_LIMITS.maxIds, 'product_ids', `must contain at most ${RETRIEVAL_LIMITS.maxIds} ids`)
        .throwIfInvalid();
      const deleted = new Set(await indexer.delete(request.productIds));
      return { deleted: BigInt(deleted.size), notFoundIds: request.productIds.filter((id) => !deleted.has(id)) };
    },

    getProduct(request) {
      new FieldValidator().required(request.productId, 'product_id').throwIfInvalid();
      const stored = catalog.get(request.productId);
      if (!stored) throw AppError.notFound(`product '${request.productId}'`);
      return { product: stored.product };
    },

    batchGetProducts(request) {
      new FieldValidator()
        .check(request.productIds.length > 0, 'product_ids', 'must contain at least one id')
        .check(request.productIds.length <= RETRIEVAL_LIMITS.maxIds, 'product_ids', `must contain at most ${RETRIEVAL_LIMITS.maxIds} ids`)
        .throwIfInvalid();
      const products = request.productIds.flatMap((id) => catalog.get(id)?.product ?? []);
      const found = new Set(products.map((p) => p.id));
      return { products, missingProductIds: request.productIds.filter((id) => !found.has(id)) };
    },

    async getCatalogStats() {
      return { products: BigInt(catalog.size), indexed: BigInt(await vectors.count()) };
    },
  };
}
