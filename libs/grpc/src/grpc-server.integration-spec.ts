import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { EmbeddingService, type EmbedRequest } from '@shopsense/contracts';
import { AppError, FieldValidator } from '@shopsense/errors';
import { childTraceContext, createLogger, currentRequestContext, runWithRequestContext, ServiceMetrics } from '@shopsense/observability';
import { DEFAULT_ADMISSION_CONFIG } from './admission';
import { createTlsFixture, type TlsFixture } from '@shopsense/testing';
import { channelCredentials } from './credentials';
import { createGrpcClient } from './grpc-client';
import { GrpcServer, type GrpcServerOptions } from './grpc-server';
import type { ServiceImplementation } from './service-implementation';
import { retryOnPushback } from './status-mapping';

const logger = createLogger('grpc-test', 'silent');
const API_KEY = 'test-key-0123456789abcdef';
const LIMITED_KEY = 'limited-key-0123456789abcdef';

interface Seen {
  requestIds: string[];
  upstreamDeadlines: (Date | undefined)[];
  /** When each call reached the handler (Date.now()). */
  receivedAt: number[];
}

/** A test implementation of a real ShopSense API: validates, echoes lengths, can be slow. */
function embeddingImplementation(seen: Seen): ServiceImplementation<typeof EmbeddingService> {
  return {
    async embed(request: EmbedRequest, context) {
      seen.receivedAt.push(Date.now());
      seen.requestIds.push(context.requestId);
      seen.upstreamDeadlines.push(currentRequestContext()?.deadline);
      new FieldValidator().check(request.texts.length > 0, 'texts', 'must contain at least one text').throwIfInvalid();
      if (request.texts[0] === 'slow') await new Promise((resolve) => setTimeout(resolve, 500));
      if (request.texts[0] === 'crash') throw new Error('secret internal detail');
      if (request.texts[0] === 'missing') throw AppError.notFound('model');
      return { modelVersion: 'test-1', dimension: 1, embeddings: request.texts.map((t) => ({ values: [t.length] })) };
    },
    getModelInfo: () => ({ model: { name: 'test', version: 'test-1', dimension: 1 } }),
  };
}

async function startServer(overrides: Partial<GrpcServerOptions> = {}, implementation?: ServiceImplementation<typeof EmbeddingService>) {
  const seen: Seen = { requestIds: [], upstreamDeadlines: [], receivedAt: [] };
  const server = new GrpcServer({
    host: '127.0.0.1',
    port: 0,
    tls: { mode: 'insecure' },
    apiKeys: undefined,
    maxReceiveMessageBytes: 64 * 1024,
    maxSendMessageBytes: 1024 * 1024,
    shutdownGraceMs: 5_000,
    reflection: true,
    logger,
    ...overrides,
  });
  server.addService(EmbeddingService, implementation ?? embeddingImplementation(seen));
  const port = await server.start();
  return { server, port, seen };
}

function errorOf(promise: Promise<unknown>): Promise<AppError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as AppError,
  );
}

describe('GrpcServer over real gRPC', () => {
  describe('plaintext, no auth', () => {
    let ctx: Awaited<ReturnType<typeof startServer>>;
    const client = () => createGrpcClient(EmbeddingService, `127.0.0.1:${ctx.port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 5_000 });

    beforeAll(async () => {
      ctx = await startServer();
    });
    afterAll(async () => {
      await ctx.server.shutdown();
    });

    it('serves a unary call with typed messages', async () => {
      const c = client();
      const response = await c.embed({ texts: ['abc', 'hello'] });
      expect(response.modelVersion).toBe('test-1');
      expect(response.embeddings.map((e) => e.values[0])).toEqual([3, 5]);
      c.close();
    });

    it('answers grpc.health.v1 with SERVING', async () => {
      const definition = protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), { enums: String });
      const Health = (grpc.loadPackageDefinition(definition) as any).grpc.health.v1.Health;
      const health = new Health(`127.0.0.1:${ctx.port}`, grpc.credentials.createInsecure());
      const check = (service: string) => new Promise<string>((resolve, reject) => health.check({ service }, (e: Error | null, r: { status: string }) => (e ? reject(e) : resolve(r.status))));
      expect(await check('')).toBe('SERVING');
      expect(await check('shopsense.embedding.v1.EmbeddingService')).toBe('SERVING');
      health.close();
    });

    it('lists its services and describes a method through reflection', async () => {
      const definition = protoLoader.loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true });
      const Reflection = (grpc.loadPackageDefinition(definition) as any).grpc.reflection.v1.ServerReflection;
      const reflection = new Reflection(`127.0.0.1:${ctx.port}`, grpc.credentials.createInsecure());
      const ask = (request: object) =>
        new Promise<any>((resolve, reject) => {
          const stream = reflection.ServerReflectionInfo();
          stream.on('data', (r: unknown) => {
            resolve(r);
            stream.end();
          });
          stream.on('error', reject);
          stream.write(request);
        });
      const list = await ask({ list_services: '*' });
      expect(list.list_services_response.service.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['shopsense.embedding.v1.EmbeddingService', 'grpc.health.v1.Health']));
      const files = await ask({ file_containing_symbol: 'shopsense.embedding.v1.EmbeddingService' });
      expect(files.file_descriptor_response.file_descriptor_proto.length).toBeGreaterThan(0);
      // grpcurl's `grpc.health.v1.Health/Check` needs health's descriptor too.
      const health = await ask({ file_containing_symbol: 'grpc.health.v1.Health' });
      expect(health.file_descriptor_response?.file_descriptor_proto.length).toBeGreaterThan(0);
      reflection.close();
    });

    it('answers INVALID_ARGUMENT naming the field, with rich error details', async () => {
      const error = await errorOf(client().embed({ texts: [] }));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain('texts: must contain at least one text');
      expect(error.fieldViolations).toEqual([{ field: 'texts', description: 'must contain at least one text' }]);
    });

    it('answers INVALID_ARGUMENT for bytes that are not the request message', async () => {
      const raw = new grpc.Client(`127.0.0.1:${ctx.port}`, grpc.credentials.createInsecure());
      const code = await new Promise<number>((resolve) =>
        raw.makeUnaryRequest('/shopsense.embedding.v1.EmbeddingService/Embed', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0xff, 0xff]), (e) => resolve(e?.code ?? 0)),
      );
      expect(code).toBe(grpc.status.INVALID_ARGUMENT);
      raw.close();
    });

    it('maps NOT_FOUND, and hides internal errors behind a correlation id', async () => {
      expect((await errorOf(client().embed({ texts: ['missing'] }))).code).toBe('NOT_FOUND');
      const internal = await errorOf(client().embed({ texts: ['crash'] }));
      expect(internal.code).toBe('INTERNAL');
      expect(internal.message).toMatch(/correlation id/);
      expect(internal.message).not.toContain('secret internal detail');
    });

    it('answers DEADLINE_EXCEEDED when the deadline passes', async () => {
      const error = await errorOf(client().embed({ texts: ['slow'] }, { timeoutMs: 50 }));
      expect(error.code).toBe('DEADLINE_EXCEEDED');
    });

    it('rejects messages over the size limit with RESOURCE_EXHAUSTED', async () => {
      const error = await errorOf(client().embed({ texts: ['x'.repeat(100 * 1024)] }));
      expect(error.code).toBe('RESOURCE_EXHAUSTED');
    });

    it('hands the incoming deadline and request id to outgoing calls', async () => {
      // A second server whose handler calls the first: its outgoing call must carry the
      // caller's request id and a deadline no later than the incoming one.
      const downstream = ctx.port;
      const seen = { requestIds: [] as string[], upstreamDeadlines: [] as (Date | undefined)[], sentAt: [] as number[] };
      const proxy = new GrpcServer({ host: '127.0.0.1', port: 0, tls: { mode: 'insecure' }, apiKeys: undefined, maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20, shutdownGraceMs: 1000, reflection: false, logger });
      const inner = createGrpcClient(EmbeddingService, `127.0.0.1:${downstream}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 60_000 });
      proxy.addService(EmbeddingService, {
        embed: async (request, context) => {
          seen.requestIds.push(context.requestId);
          seen.upstreamDeadlines.push(context.deadline);
          seen.sentAt.push(Date.now());
          return inner.embed({ texts: request.texts });
        },
        getModelInfo: () => ({}),
      });
      const proxyPort = await proxy.start();
      const before = ctx.seen.requestIds.length;
      const metadataRequestId = 'req-propagation-test';
      const raw = createGrpcClient(EmbeddingService, `127.0.0.1:${proxyPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 2_000 });
      // The request id of the outermost call is chosen by the client from its own context;
      // run inside one so the test controls it.
      await runWithRequestContext({ requestId: metadataRequestId, trace: childTraceContext() }, () => raw.embed({ texts: ['a'] }));
      expect(seen.requestIds).toEqual([metadataRequestId]);
      expect(ctx.seen.requestIds.slice(before)).toEqual([metadataRequestId]);
      const incomingDeadline = seen.upstreamDeadlines[0]!;
      const downstreamDeadline = ctx.seen.upstreamDeadlines.at(-1)!;
      expect(incomingDeadline.getTime() - Date.now()).toBeLessThan(2_100);
      // The downstream call was given at most the time left of the incoming one when it was sent
      // (the 60 s default budget was capped). gRPC carries a timeout, not a clock time, so the
      // downstream server's deadline moves on by the call's time in transit, however long a busy
      // machine makes that: measured here, not guessed (+2 ms for the timeout's rounding).
      const transitMs = ctx.seen.receivedAt.at(-1)! - seen.sentAt[0]!;
      expect(downstreamDeadline.getTime()).toBeLessThanOrEqual(incomingDeadline.getTime() + transitMs + 2);
      expect(downstreamDeadline.getTime() - seen.sentAt[0]!).toBeLessThan(2_100);
      inner.close();
      raw.close();
      await proxy.shutdown();
    });
  });

  describe('admission control', () => {
    it('refuses a call beyond the limit with RESOURCE_EXHAUSTED and a retry hint, never the exempt Embed, and admits again once a slot frees', async () => {
      let entered!: () => void;
      let release!: () => void;
      const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      const metrics = new ServiceMetrics('admission-test', { defaultMetrics: false });
      // One slot and no queue: the verdict cannot depend on how fast this machine is.
      const { server, port } = await startServer(
        { admission: { ...DEFAULT_ADMISSION_CONFIG, initialLimit: 1, minLimit: 1, maxLimit: 1, maxQueue: 0 }, metrics },
        {
          embed: (request: EmbedRequest) => ({ modelVersion: 'test-1', dimension: 1, embeddings: request.texts.map((t) => ({ values: [t.length] })) }),
          getModelInfo: async () => {
            entered();
            await gate;
            return { model: { name: 'test', version: 'test-1', dimension: 1 } };
          },
        },
      );
      const client = createGrpcClient(EmbeddingService, `127.0.0.1:${port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 10_000 });
      try {
        const holding = client.getModelInfo({});
        await handlerEntered;

        const refused = await errorOf(client.getModelInfo({}));
        expect(refused.code).toBe('RESOURCE_EXHAUSTED');
        expect(refused.message).toMatch(/server at capacity: 1 calls in flight \(limit 1\) and 0 waiting; retry in \d+ ms/);
        const pushback = (refused.cause as grpc.ServiceError).metadata.get('grpc-retry-pushback-ms')[0];
        expect(Number(pushback)).toBeGreaterThanOrEqual(10);
        expect(refused.retryAfterMs).toBe(Number(pushback));
        // A batch client waits the hint and calls again: it gets through once the slot is free.
        let attempts = 0;
        const patient = retryOnPushback(() => (attempts++, client.getModelInfo({})));

        // Exempt: served while the only slot is taken.
        expect((await client.embed({ texts: ['abc'] })).embeddings[0]!.values).toEqual([3]);

        await new Promise((resolve) => setTimeout(resolve, 50));
        release();
        await holding;
        await expect(patient).resolves.toMatchObject({ model: { version: 'test-1' } });
        expect(attempts).toBeGreaterThan(1);
        await expect(client.getModelInfo({})).resolves.toMatchObject({ model: { version: 'test-1' } });
        const counted = (await metrics.admissionCalls.get()).values.map((v) => [v.labels['method'], v.labels['outcome'], v.value]);
        expect(counted).toEqual(expect.arrayContaining([['GetModelInfo', 'admitted', 3], ['GetModelInfo', 'shed', attempts]]));
        expect(counted.some(([method]) => method === 'Embed')).toBe(false);
      } finally {
        release();
        client.close();
        await server.shutdown();
      }
    });
  });

  describe('API keys', () => {
    let ctx: Awaited<ReturnType<typeof startServer>>;
    beforeAll(async () => {
      ctx = await startServer({
        apiKeys: [
          { name: 'full', keySha256: require('node:crypto').createHash('sha256').update(API_KEY).digest(), methods: ['shopsense.embedding.v1.EmbeddingService/*', 'grpc.reflection.v1.ServerReflection/*'] },
          { name: 'limited', keySha256: require('node:crypto').createHash('sha256').update(LIMITED_KEY).digest(), methods: ['shopsense.embedding.v1.EmbeddingService/GetModelInfo'] },
        ],
      });
    });
    afterAll(async () => {
      await ctx.server.shutdown();
    });
    const client = (apiKey?: string) => createGrpcClient(EmbeddingService, `127.0.0.1:${ctx.port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 5_000, apiKey });

    it('refuses a call without a key with UNAUTHENTICATED', async () => {
      expect((await errorOf(client().embed({ texts: ['a'] }))).code).toBe('UNAUTHENTICATED');
      expect((await errorOf(client('wrong-key-0123456789').embed({ texts: ['a'] }))).code).toBe('UNAUTHENTICATED');
    });

    it('refuses a key outside its allowed methods with PERMISSION_DENIED', async () => {
      expect((await errorOf(client(LIMITED_KEY).embed({ texts: ['a'] }))).code).toBe('PERMISSION_DENIED');
      expect((await client(LIMITED_KEY).getModelInfo({})).model?.name).toBe('test');
    });

    it('serves a valid key', async () => {
      expect((await client(API_KEY).embed({ texts: ['abcd'] })).embeddings[0]!.values).toEqual([4]);
    });

    it('leaves health open for probes', async () => {
      const definition = protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), { enums: String });
      const Health = (grpc.loadPackageDefinition(definition) as any).grpc.health.v1.Health;
      const health = new Health(`127.0.0.1:${ctx.port}`, grpc.credentials.createInsecure());
      const status = await new Promise<string>((resolve, reject) => health.check({ service: '' }, (e: Error | null, r: { status: string }) => (e ? reject(e) : resolve(r.status))));
      expect(status).toBe('SERVING');
      health.close();
    });
  });

  describe('TLS', () => {
    let tls: TlsFixture;
    beforeAll(() => {
      tls = createTlsFixture();
    });

    it('serves a TLS client and refuses a plaintext one', async () => {
      const ctx = await startServer({ tls: { mode: 'tls', certFile: tls.serverCert, keyFile: tls.serverKey } });
      try {
        const secure = createGrpcClient(EmbeddingService, `localhost:${ctx.port}`, { credentials: channelCredentials({ mode: 'tls', caFile: tls.caCert }), defaultTimeoutMs: 5_000 });
        expect((await secure.embed({ texts: ['ab'] })).embeddings[0]!.values).toEqual([2]);
        const plaintext = createGrpcClient(EmbeddingService, `127.0.0.1:${ctx.port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 2_000, maxRetries: 0 });
        expect((await errorOf(plaintext.embed({ texts: ['ab'] }))).code).toBe('UNAVAILABLE');
        secure.close();
        plaintext.close();
      } finally {
        await ctx.server.shutdown();
      }
    });

    it('in mutual TLS, refuses a client without a certificate', async () => {
      const ctx = await startServer({ tls: { mode: 'mtls', certFile: tls.serverCert, keyFile: tls.serverKey, caFile: tls.caCert } });
      try {
        const withCert = createGrpcClient(EmbeddingService, `localhost:${ctx.port}`, {
          credentials: channelCredentials({ mode: 'mtls', caFile: tls.caCert, certFile: tls.clientCert, keyFile: tls.clientKey }),
          defaultTimeoutMs: 5_000,
        });
        expect((await withCert.embed({ texts: ['abc'] })).embeddings[0]!.values).toEqual([3]);
        const withoutCert = createGrpcClient(EmbeddingService, `localhost:${ctx.port}`, { credentials: channelCredentials({ mode: 'tls', caFile: tls.caCert }), defaultTimeoutMs: 2_000, maxRetries: 0 });
        expect((await errorOf(withoutCert.embed({ texts: ['abc'] }))).code).toBe('UNAVAILABLE');
        withCert.close();
        withoutCert.close();
      } finally {
        await ctx.server.shutdown();
      }
    });
  });
});
