import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { EmbeddingKind, EmbeddingService, EmbedPriority } from '@shopsense/contracts';
import type { AppError } from '@shopsense/errors';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { startService, type RunningService } from '@shopsense/service-runtime';
import { TEST_SERVICE_ENV } from '@shopsense/testing';
import { SEMANTIC_TRIPLES } from '../test/semantic-triples';
import { cosine } from './domain/pooling';
import { embeddingService } from './embedding.service-definition';

const modelDir = process.env['EMBEDDING_MODEL_DIR'];
if (!modelDir) throw new Error('EMBEDDING_MODEL_DIR is not set: run scripts/model/fetch-model.sh (npm test does)');

interface Golden {
  text: string;
  kind: 'query' | 'document';
  vector: number[];
}

describe('embedding service with the real model', () => {
  let running: RunningService;
  let client: ServiceClient<typeof EmbeddingService>;

  beforeAll(async () => {
    running = await startService(embeddingService, {
      ...TEST_SERVICE_ENV,
      LOG_LEVEL: 'warn',
      EMBEDDING_MODEL_DIR: modelDir,
      EMBEDDING_MAX_TEXTS_PER_REQUEST: '256',
      EMBEDDING_MAX_TEXT_CHARS: '8192',
    });
    client = createGrpcClient(EmbeddingService, `127.0.0.1:${running.grpcPort}`, {
      credentials: grpc.credentials.createInsecure(),
      defaultTimeoutMs: 60_000,
      maxSendMessageBytes: 64 * 1024 * 1024,
    });
  });

  afterAll(async () => {
    client?.close();
    await running?.stop();
  });

  const embed = async (texts: string[], kind = EmbeddingKind.QUERY) => (await client.embed({ texts, kind })).embeddings.map((e) => e.values);

  it('reports the model, and its version in every response', async () => {
    const info = (await client.getModelInfo({})).model!;
    expect(info.dimension).toBeGreaterThan(0);
    expect(info.version.length).toBeGreaterThan(0);
    expect(info.device).toBe('cpu');
    const response = await client.embed({ texts: ['hello'] });
    expect(response.modelVersion).toBe(info.version);
    expect(response.dimension).toBe(info.dimension);
    expect(response.embeddings[0]!.values).toHaveLength(info.dimension);
  });

  it('matches the reference computation of the same model (cosine >= 0.9999)', async () => {
    const goldenFile = join(modelDir, 'golden.json');
    expect(existsSync(goldenFile)).toBe(true);
    const golden = JSON.parse(readFileSync(goldenFile, 'utf8')) as Golden[];
    expect(golden.length).toBeGreaterThanOrEqual(20);
    for (const kind of ['query', 'document'] as const) {
      const subset = golden.filter((g) => g.kind === kind);
      const vectors = await embed(subset.map((g) => g.text), kind === 'query' ? EmbeddingKind.QUERY : EmbeddingKind.DOCUMENT);
      subset.forEach((g, i) => {
        const similarity = cosine(vectors[i]!, g.vector);
        if (similarity < 0.9999) throw new Error(`'${g.text}' (${kind}): cosine ${similarity} to the reference`);
      });
    }
  });

  it('answers a query that arrives while a bulk request is being embedded without waiting for the bulk work', async () => {
    const documents = Array.from({ length: 256 }, (_, i) => `Trail running shoe, model ${i}`);
    const timed = async (work: Promise<unknown>) => {
      const t0 = performance.now();
      await work;
      return performance.now() - t0;
    };
    const bulk = timed(client.embed({ texts: documents, kind: EmbeddingKind.DOCUMENT, priority: EmbedPriority.BULK }));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the bulk work has started
    // Longer than the documents, so that batching by length alone would put it last.
    const longQuery = 'waterproof leather hiking boots for women with ankle support, wide fit, size 42, in brown or dark green, under 150 euros';
    const query = timed(client.embed({ texts: [longQuery], kind: EmbeddingKind.QUERY }));
    const [bulkMs, queryMs] = await Promise.all([bulk, query]);
    // Waiting behind the bulk work, the query would take about as long as the rest of it.
    expect(queryMs).toBeLessThan(bulkMs / 3);
  });

  it('puts the relevant product closer to the query than the unrelated one, in English and Chinese', async () => {
    const failures: string[] = [];
    for (const [query, relevant, unrelated] of SEMANTIC_TRIPLES) {
      const [q] = await embed([query], EmbeddingKind.QUERY);
      const [r, u] = await embed([relevant, unrelated], EmbeddingKind.DOCUMENT);
      const [sr, su] = [cosine(q!, r!), cosine(q!, u!)];
      if (!(sr > su)) failures.push(`${query}: relevant ${sr.toFixed(3)} <= unrelated ${su.toFixed(3)}`);
    }
    expect(failures).toEqual([]);
  });

  it('gives a text the same vector alone and batched with longer texts (padding does not leak)', async () => {
    const [alone] = await embed(['red cotton t-shirt'], EmbeddingKind.DOCUMENT);
    const batched = await Promise.all([
      embed(['red cotton t-shirt', 'a much longer product description that pads the batch with many more tokens than the short one'], EmbeddingKind.DOCUMENT),
      embed(['另一个 很长的 商品 描述 用来 填充 批次'], EmbeddingKind.DOCUMENT),
    ]);
    expect(cosine(alone!, batched[0][0]!)).toBeGreaterThan(0.9999);
  });

  describe('bad input gets a clear error and the service stays healthy', () => {
    const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as AppError);

    it.each([
      ['an empty list', () => client.embed({ texts: [] }), 'INVALID_ARGUMENT', /texts: must contain at least one text/],
      ['10k texts', () => client.embed({ texts: Array.from({ length: 10_000 }, (_, i) => `t${i}`) }), 'INVALID_ARGUMENT', /at most 256 texts/],
      ['a 1 MB string', () => client.embed({ texts: ['x'.repeat(1_000_000)] }), 'INVALID_ARGUMENT', /texts\[0\]: must be at most 8192 characters/],
      ['a deadline already past', () => client.embed({ texts: ['late'] }, { timeoutMs: -1 }), 'DEADLINE_EXCEEDED', /deadline/i],
    ])('%s', async (_name, call, code, message) => {
      const error = await errorOf(call());
      expect(error?.code).toBe(code);
      expect(error?.message).toMatch(message);
    });

    it('invalid UTF-8', async () => {
      // A hand-made EmbedRequest: field 1 (texts), length 3, bytes that are not UTF-8.
      const raw = new grpc.Client(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
      const result = await new Promise<{ code: number; details: string }>((resolve) =>
        raw.makeUnaryRequest('/shopsense.embedding.v1.EmbeddingService/Embed', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0x03, 0xc3, 0x28, 0xff]), (e) =>
          resolve({ code: e?.code ?? 0, details: e?.details ?? '' }),
        ),
      );
      raw.close();
      expect(result.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(result.details).toMatch(/UTF-8/i);
    });

    afterAll(async () => {
      // Still serving real requests after all of the above.
      const [vector] = await embed(['still alive']);
      expect(vector!.length).toBeGreaterThan(0);
    });
  });
});

describe('embedding service device selection', () => {
  it('refuses to start on EMBEDDING_DEVICE=cuda when the CUDA provider cannot load, saying what to do', async () => {
    if (process.env['EXPECT_CUDA'] === '1') return; // on a GPU node the provider does load
    await expect(
      startService(embeddingService, { ...TEST_SERVICE_ENV, LOG_LEVEL: 'silent', EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_DEVICE: 'cuda' }),
    ).rejects.toThrow(/EMBEDDING_DEVICE=cuda but the CUDA execution provider could not start: .*set EMBEDDING_DEVICE=cpu/s);
  });

  it('falls back to CPU only when configured to, and says so', async () => {
    if (process.env['EXPECT_CUDA'] === '1') return;
    const running = await startService(embeddingService, {
      ...TEST_SERVICE_ENV,
      LOG_LEVEL: 'silent',
      EMBEDDING_MODEL_DIR: modelDir,
      EMBEDDING_DEVICE: 'cuda',
      EMBEDDING_CUDA_FALLBACK_TO_CPU: 'true',
    });
    const client = createGrpcClient(EmbeddingService, `127.0.0.1:${running.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 30_000 });
    try {
      expect((await client.getModelInfo({})).model?.device).toMatch(/^cpu \(cuda unavailable/);
    } finally {
      client.close();
      await running.stop();
    }
  });
});
