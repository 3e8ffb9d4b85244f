/**
 * GrpcRetrieval's caches over real gRPC (a stand-in retrieval server on loopback): vectors and
 * products asked again are not fetched again; products expire after their TTL; a new embedding
 * model version replaces every cached vector.
 */
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { CatalogService, ProductSchema, RetrievalService } from '@shopsense/contracts';
import { GrpcServer, unimplementedService } from '@shopsense/grpc';
import { createLogger } from '@shopsense/observability';
import { GrpcRetrieval } from './grpc-upstreams';

describe('GrpcRetrieval caches', () => {
  const asked = { vectors: [] as string[][], products: [] as string[][] };
  let modelVersion = 'm1';
  let price = 10;
  const server = new GrpcServer({ host: '127.0.0.1', port: 0, tls: { mode: 'insecure' }, apiKeys: undefined, maxReceiveMessageBytes: 4 << 20, maxSendMessageBytes: 4 << 20, shutdownGraceMs: 100, reflection: false, logger: createLogger('fake-retrieval', 'silent') });
  server.addService(RetrievalService, {
    ...unimplementedService(RetrievalService),
    getItemVectors: (request) => {
      asked.vectors.push([...request.itemIds]);
      return { vectors: request.itemIds.map((itemId) => ({ itemId, values: [modelVersion === 'm1' ? 1 : 2, itemId.length] })), missingItemIds: [], modelVersion };
    },
  });
  server.addService(CatalogService, {
    ...unimplementedService(CatalogService),
    batchGetProducts: (request) => {
      asked.products.push([...request.productIds]);
      return { products: request.productIds.map((id) => create(ProductSchema, { id, title: id, price })), missingIds: [] };
    },
  });
  let target: string;
  let now = 1_000_000;
  let retrieval: GrpcRetrieval;
  const hop = { budgetMs: 5_000 };

  beforeAll(async () => {
    target = `127.0.0.1:${await server.start()}`;
    retrieval = new GrpcRetrieval(target, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 5_000 }, { itemVectors: 100, products: 100, productTtlMs: 10_000, clock: () => now });
  });
  afterAll(async () => {
    retrieval.close();
    await server.shutdown();
  });

  it('fetches only the vectors it does not hold, and refetches all of them when the model changes', async () => {
    expect([...(await retrieval.itemVectors(['a', 'bb'], hop)).values()].map((v) => [...v])).toEqual([[1, 1], [1, 2]]);
    expect([...(await retrieval.itemVectors(['a', 'bb', 'ccc'], hop)).keys()]).toEqual(['a', 'bb', 'ccc']);
    expect(asked.vectors).toEqual([['a', 'bb'], ['ccc']]);

    modelVersion = 'm2';
    const after = await retrieval.itemVectors(['a', 'dddd'], hop);
    expect(asked.vectors.slice(2)).toEqual([['dddd'], ['a']]);
    expect([...after.entries()].map(([id, v]) => [id, [...v]]).sort()).toEqual([['a', [2, 1]], ['dddd', [2, 4]]]);
    await retrieval.itemVectors(['bb'], hop); // cached under m1: gone with the model change
    expect(asked.vectors.at(-1)).toEqual(['bb']);
  });

  it('serves products from the cache until their TTL, then fetches them again', async () => {
    expect((await retrieval.products(['p1', 'p2'], hop)).get('p1')?.price).toBe(10);
    price = 12;
    now += 5_000;
    expect((await retrieval.products(['p1', 'p2'], hop)).get('p1')?.price).toBe(10);
    expect(asked.products).toEqual([['p1', 'p2']]);
    now += 6_000;
    expect((await retrieval.products(['p1', 'p3'], hop)).get('p1')?.price).toBe(12);
    expect(asked.products.at(-1)).toEqual(['p1', 'p3']);
  });

  it('keeps nothing with caches of size 0', async () => {
    const uncached = new GrpcRetrieval(target, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 5_000 });
    const before = asked.products.length;
    await uncached.products(['p1'], hop);
    await uncached.products(['p1'], hop);
    expect(asked.products.length).toBe(before + 2);
    uncached.close();
  });
});
