/**
 * The Qdrant adapter against what can run here (no Qdrant server installs on these machines; the
 * contract suite runs against a real one wherever QDRANT_URL is set): a stub HTTP server that
 * speaks the few REST calls involved, records what it is sent, and can hang (accept a request
 * and never answer), as a paused Qdrant does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeFilters } from '../domain/filters';
import { pointId, QdrantVectorStore } from './qdrant-vector-store';

const ALIAS = 'stub_products';
const COLLECTION = `${ALIAS}_v1`;

class StubQdrant {
  hang = false;
  readonly requests: { method: string; path: string; bytes: number }[] = [];
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
    let bytes = 0;
    for await (const chunk of req) bytes += (chunk as Buffer).length;
    const path = (req.url ?? '').split('?')[0]!;
    this.requests.push({ method: req.method ?? '', path, bytes });
    if (this.hang) {
      this.held.push(res); // accepted, never answered
      return;
    }
    const reply = (result: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result, status: 'ok', time: 0 }));
    };
    if (path === '/aliases') return reply({ aliases: [{ alias_name: ALIAS, collection_name: COLLECTION }] });
    if (path === `/collections/${COLLECTION}/exists`) return reply({ exists: true });
    if (path === `/collections/${COLLECTION}`) return reply({ config: { params: { vectors: { dense: { size: 4, distance: 'Cosine' } } } } });
    if (path === `/collections/${COLLECTION}/index`) return reply({ operation_id: 1, status: 'completed' });
    if (path === `/collections/${COLLECTION}/points/query`) return reply({ points: [{ id: pointId('p1'), version: 1, score: 0.9, payload: { item_id: 'p1' } }] });
    if (path === `/collections/${COLLECTION}/points`) return reply([]);
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
    await store.init(4);
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

  it('reads the vectors of 100,000 catalog ids in requests well under 1 MB each', async () => {
    const store = new QdrantVectorStore({ url, alias: ALIAS, timeoutMs: 10_000, writeTimeoutMs: 30_000 });
    await store.init(4);
    const ids = Array.from({ length: 100_000 }, (_, i) => `catalog-item-${i}`);
    await store.getVectors(ids);
    const retrieves = stub.requests.filter((r) => r.method === 'POST' && r.path === `/collections/${COLLECTION}/points`);
    expect(retrieves).toHaveLength(Math.ceil(100_000 / 256));
    expect(Math.max(...retrieves.map((r) => r.bytes))).toBeLessThan(1024 * 1024);
  });
});
