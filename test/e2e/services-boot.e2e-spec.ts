import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { DescService } from '@bufbuild/protobuf';
import {
  CatalogService,
  CollectorService,
  EmbeddingService,
  ExperimentService,
  QueryUnderstandingService,
  RankingService,
  RetrievalService,
} from '@shopsense/contracts';
import type { AppError } from '@shopsense/errors';
import { createGrpcClient } from '@shopsense/grpc';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTs, startServiceProcess, TEST_SERVICE_ENV, type StartedServiceProcess } from '@shopsense/testing';

/** Services that call the embedding service at start get this one (real model). */
let embedding: StartedServiceProcess | undefined;
const embeddingAddr = () => `127.0.0.1:${embedding?.grpcPort}`;

beforeAll(async () => {
  embedding = await startServiceProcess('services/embedding/src/main.ts', { EMBEDDING_MODEL_DIR: process.env['EMBEDDING_MODEL_DIR'] });
}, 120_000);

afterAll(async () => {
  embedding?.child.kill('SIGTERM');
  await embedding?.exited;
});

/** A pseudonymisation keys file (ranking reads the same file as feedback). */
function hmacKeysFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'boot-keys-')), 'hmac-keys.json');
  writeFileSync(file, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  return file;
}

/**
 * Each service, the APIs it serves, which of them still answer UNIMPLEMENTED (until their
 * issues land), and the variables it needs beyond the common ones.
 */
const SERVICES: { name: string; apis: DescService[]; unimplemented: DescService[]; env: () => NodeJS.ProcessEnv }[] = [
  // Alone: its own in-process catalog bus (empty), no embedding service (no category prediction).
  { name: 'query-understanding', apis: [QueryUnderstandingService], unimplemented: [], env: () => ({ QU_EVENT_BUS: 'in-process' }) },
  { name: 'embedding', apis: [EmbeddingService], unimplemented: [], env: () => ({ EMBEDDING_MODEL_DIR: process.env['EMBEDDING_MODEL_DIR'] }) },
  {
    name: 'retrieval',
    apis: [RetrievalService, CatalogService],
    unimplemented: [],
    env: () => ({ EMBEDDING_ADDR: embeddingAddr(), UPSTREAM_TLS_MODE: 'insecure', RETRIEVAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'boot-retrieval-')) }),
  },
  {
    name: 'ranking',
    apis: [RankingService, ExperimentService],
    unimplemented: [],
    // Upstreams are called per request, not at boot: an address is enough to start.
    env: () => ({ RETRIEVAL_ADDR: '127.0.0.1:1', UPSTREAM_TLS_MODE: 'insecure', USER_STATE_STORE: 'memory', RANKING_DATA_DIR: mkdtempSync(join(tmpdir(), 'boot-ranking-')), RANKING_HMAC_KEYS_FILE: hmacKeysFile() }),
  },
  {
    name: 'feedback',
    apis: [CollectorService],
    unimplemented: [],
    // The local Kafka and Redis; its own consumer group and key prefix, so it touches nothing of anyone else's.
    env: () => {
      const run = randomBytes(4).toString('hex');
      return {
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
        REDIS_URL: process.env['REDIS_URL'],
        FEEDBACK_HMAC_KEYS_FILE: hmacKeysFile(),
        FEEDBACK_CONSUMER_GROUP: `boot-feedback-${run}`,
        FEEDBACK_REDIS_KEY_PREFIX: `test:boot:${run}:`,
        RETRIEVAL_ADDR: '127.0.0.1:1',
        UPSTREAM_TLS_MODE: 'insecure',
      };
    },
  },
];

const healthPackage = grpc.loadPackageDefinition(protoLoader.loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), { enums: String })) as any;

function healthStatus(port: number, service: string): Promise<string> {
  const client = new healthPackage.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) =>
    client.check({ service }, (error: Error | null, response: { status: string }) => {
      client.close();
      if (error) reject(error);
      else resolve(response.status);
    }),
  );
}

describe.each(SERVICES)('the $name service', ({ name, apis, unimplemented, env }) => {
  const main = `services/${name}/src/main.ts`;

  it('starts with only its configuration, reports SERVING, exports metrics and stops cleanly on SIGTERM', async () => {
    const service = await startServiceProcess(main, env());
    try {
      expect(await healthStatus(service.grpcPort, '')).toBe('SERVING');
      for (const api of apis) expect(await healthStatus(service.grpcPort, api.typeName)).toBe('SERVING');
      for (const api of unimplemented) {
        const unary = api.methods.find((m) => m.methodKind === 'unary')!;
        const client = createGrpcClient(api, `127.0.0.1:${service.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 5_000 });
        const call = (client as unknown as Record<string, (r: object) => Promise<unknown>>)[unary.localName]!({});
        await expect(call).rejects.toMatchObject({ code: 'UNIMPLEMENTED' } satisfies Partial<AppError>);
        client.close();
      }
      const metrics = await (await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`)).text();
      expect(metrics).toContain('shopsense_build_info');
      if (unimplemented.length > 0) expect(metrics).toMatch(/grpc_server_handling_seconds_count\{[^}]*code="UNIMPLEMENTED"[^}]*\} 1/);
    } finally {
      service.child.kill('SIGTERM');
    }
    expect(await service.exited).toBe(0);
  });

  it('refuses to start when a variable is missing or malformed, naming it', async () => {
    const missingPort = spawnTs(main, { ...TEST_SERVICE_ENV, ...env(), GRPC_PORT: '' });
    expect(await missingPort.exited).toBe(78);
    expect(missingPort.output()).toContain('GRPC_PORT: is required but not set');

    const malformed = spawnTs(main, { ...TEST_SERVICE_ENV, ...env(), METRICS_PORT: 'ninety' });
    expect(await malformed.exited).toBe(78);
    expect(malformed.output()).toContain("METRICS_PORT: must be an integer between 0 and 65535 (got 'ninety')");

    const secureByDefault = spawnTs(main, { ...TEST_SERVICE_ENV, ...env(), GRPC_TLS_MODE: '', GRPC_AUTH_MODE: '' });
    expect(await secureByDefault.exited).toBe(78);
    expect(secureByDefault.output()).toContain('GRPC_TLS_CERT_FILE: is required when GRPC_TLS_MODE=tls');
    expect(secureByDefault.output()).toContain('GRPC_API_KEYS_FILE: is required when GRPC_AUTH_MODE=api-key');
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight call finish after SIGTERM, refuses new calls, then exits 0', async () => {
    const service = await startServiceProcess('libs/service-runtime/src/testing/slow-service.fixture.ts', { SLOW_MS: '1500', GRPC_SHUTDOWN_GRACE_MS: '10000' });
    const client = createGrpcClient(EmbeddingService, `127.0.0.1:${service.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 10_000, maxRetries: 0 });
    const inFlight = client.embed({ texts: ['a', 'b'] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    service.child.kill('SIGTERM');
    await service.waitForLine(/SIGTERM received, draining/);
    const late = createGrpcClient(EmbeddingService, `127.0.0.1:${service.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 2_000, maxRetries: 0 });
    await expect(late.embed({ texts: ['late'] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const response = await inFlight;
    expect(response.embeddings).toHaveLength(2);
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('"outcome":"drained"');
    client.close();
    late.close();
  });
});
