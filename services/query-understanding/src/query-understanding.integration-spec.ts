import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { Kafka, logLevel } from 'kafkajs';
import { CatalogChangeSchema, ProductSchema, QueryUnderstandingService, SuggestionMatch, SuggestionSource, type CatalogChange, type Product } from '@shopsense/contracts';
import type { AppError } from '@shopsense/errors';
import { InProcessEventBus, KafkaEventBus, Topics } from '@shopsense/events';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { createLogger } from '@shopsense/observability';
import { startService, type RunningService } from '@shopsense/service-runtime';
import { expectEventually, startServiceProcess, TEST_SERVICE_ENV, type StartedServiceProcess } from '@shopsense/testing';
import { queryUnderstandingService, queryUnderstandingServiceWith } from './query-understanding.service-definition';
import { loadDemoProducts } from '@shopsense/datasets';

const modelDir = process.env['EMBEDDING_MODEL_DIR'];
if (!modelDir) throw new Error('EMBEDDING_MODEL_DIR is not set: run scripts/model/fetch-model.sh (npm test does)');
const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS is not set: start Kafka with npm run infra:up');

const logger = createLogger('qu-integration', 'warn');
const upsert = (product: Product): CatalogChange => create(CatalogChangeSchema, { change: { case: 'upsert', value: product } });

/** Half of the demo catalog: every category, and a training set the 2-core CI machines embed in seconds. */
function demoProducts(): Product[] {
  return loadDemoProducts().filter((_, i) => i % 2 === 0);
}

function client(port: number): ServiceClient<typeof QueryUnderstandingService> {
  return createGrpcClient(QueryUnderstandingService, `127.0.0.1:${port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 10_000 });
}

describe('query understanding with the real embedding service (in-process catalog bus)', () => {
  // The embedding service runs as its own process (a project boundary), this service in-process.
  let embedding: StartedServiceProcess;
  const stopEmbedding = async () => {
    if (embedding.child.exitCode === null) embedding.child.kill('SIGTERM');
    await embedding.exited;
  };
  let qu: RunningService;
  let bus: InProcessEventBus;
  let understanding: ServiceClient<typeof QueryUnderstandingService>;

  beforeAll(async () => {
    embedding = await startServiceProcess('services/embedding/src/main.ts', { LOG_LEVEL: 'info', EMBEDDING_MODEL_DIR: modelDir }, 90_000);
    bus = new InProcessEventBus({ deadLetterFile: join(mkdtempSync(join(tmpdir(), 'qu-it-')), 'dead-letters.jsonl'), logger });
    await bus.publish(Topics.catalogChanges, demoProducts().map((product) => ({ key: product.id, message: upsert(product) })));
    qu = await startService(queryUnderstandingServiceWith({ eventBus: bus }), {
      ...TEST_SERVICE_ENV,
      LOG_LEVEL: 'warn',
      QU_EVENT_BUS: 'in-process',
      EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`,
      EMBEDDING_TLS_MODE: 'insecure',
      QU_DICTIONARY_REBUILD_QUIET_MS: '100',
      // The first queries after training share two cores with the model: give them room.
      QU_CATEGORY_TIMEOUT_MS: '2000',
    });
    understanding = client(qu.grpcPort);
    // Wait for the catalog replay, the dictionaries and the category model.
    await expectEventually(async () => expect((await understanding.understand({ query: 'running shoes' })).parsed!.categories.length).toBeGreaterThan(0), {
      timeoutMs: 100_000,
      intervalMs: 500,
    });
  }, 120_000);

  afterAll(async () => {
    understanding?.close();
    await qu?.stop();
    await bus?.close();
    if (embedding) await stopEmbedding();
  });

  it('parses an English query over gRPC: filters, residual text and the predicted category', async () => {
    const { parsed } = await understanding.understand({ query: 'Nike running shoes for men under $80', localeHint: 'en-US' });
    expect(parsed).toMatchObject({
      normalized: 'nike running shoes for men under $80',
      filters: { brands: ['Nike'], attributes: { gender: 'men' }, price: { max: 80 } },
      residualText: 'running shoes',
    });
    expect(parsed!.categories[0]!.categoryPath).toBe('Shoes/Running Shoes');
    const total = parsed!.categories.reduce((sum, c) => sum + c.probability, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('parses Chinese and mixed queries', async () => {
    const chinese = (await understanding.understand({ query: '100元以下的蓝牙耳机' })).parsed!;
    expect(chinese).toMatchObject({ filters: { price: { max: 100 }, attributes: { connectivity: 'bluetooth' } }, residualText: '耳机' });
    expect(chinese.categories[0]!.categoryPath).toBe('Electronics/Audio/Headphones');
    const mixed = (await understanding.understand({ query: '耐克 air max 跑鞋' })).parsed!;
    expect(mixed).toMatchObject({ filters: { brands: ['Nike'] }, residualText: 'air max 跑鞋' });
    expect(mixed.categories[0]!.categoryPath).toBe('Shoes/Running Shoes');
  });

  it('corrects spelling against the catalog', async () => {
    const { parsed } = await understanding.understand({ query: 'adidsa hodie' });
    expect(parsed).toMatchObject({ correctedQuery: 'adidas hoodie', filters: { brands: ['Adidas'] }, residualText: 'hoodie' });
  });

  it('rejects an over-long query with INVALID_ARGUMENT naming the field', async () => {
    const error = await understanding.understand({ query: 'x'.repeat(513) }).then(() => undefined, (e: unknown) => e as AppError);
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.fieldViolations.map((v) => v.field)).toEqual(['query']);
  });

  it('reloads its dictionaries when the catalog changes, without a restart', async () => {
    await bus.publish(Topics.catalogChanges, [{ key: 'it-1', message: upsert(create(ProductSchema, { id: 'it-1', title: 'Quillfeather fountain pen', brand: 'Quillfeather', categoryPath: ['Office', 'Pens'] })) }]);
    await expectEventually(async () => expect((await understanding.understand({ query: 'quillfeather pen' })).parsed!.filters!.brands).toEqual(['Quillfeather']));
  });

  it('completes prefixes over gRPC in English, Chinese and pinyin, despite a typo, and rejects a bad request naming the field', async () => {
    const complete = async (prefix: string, limit = 0) => (await understanding.complete({ prefix, limit })).suggestions;
    expect((await complete('runn')).map((s) => s.text)).toContain('running shoes');
    expect((await complete('跑')).map((s) => s.text)).toContain('跑鞋');
    expect((await complete('paox'))[0]).toMatchObject({ text: '跑鞋', match: SuggestionMatch.PINYIN });
    expect((await complete('hoodei'))[0]).toMatchObject({ match: SuggestionMatch.CORRECTED, edits: 1 });
    const [brand] = await complete('adid', 1);
    expect(brand).toMatchObject({ text: 'adidas', sources: expect.arrayContaining([SuggestionSource.BRAND]) });
    expect(brand!.productCount).toBeGreaterThan(0);
    for (const [request, field] of [[{ prefix: ' ' }, 'prefix'], [{ prefix: 'x'.repeat(129) }, 'prefix'], [{ prefix: 'run', limit: 21 }, 'limit']] as const) {
      const error = await understanding.complete(request).then(() => undefined, (e: unknown) => e as AppError);
      expect(error?.code).toBe('INVALID_ARGUMENT');
      expect(error?.fieldViolations.map((v) => v.field)).toEqual([field]);
    }
  });

  it('suggests a new brand once the catalog has it, without a restart', async () => {
    await bus.publish(Topics.catalogChanges, [{ key: 'it-2', message: upsert(create(ProductSchema, { id: 'it-2', title: 'Zephyrwind desk fan', brand: 'Zephyrwind', categoryPath: ['Home', 'Fans'] })) }]);
    await expectEventually(async () => expect((await understanding.complete({ prefix: 'zephyr' })).suggestions.map((s) => s.text)).toEqual(['zephyrwind']));
  });

  it('still answers, without categories, when the embedding service is gone', async () => {
    await stopEmbedding();
    const started = Date.now();
    const { parsed } = await understanding.understand({ query: 'nike running shoes under $50' });
    expect(parsed).toMatchObject({ filters: { brands: ['Nike'], price: { max: 50 } }, categories: [] });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('query understanding following the catalog on Kafka', () => {
  const topic = { ...Topics.catalogChanges, name: `test.qu.catalog.${randomUUID()}` };
  let producer: KafkaEventBus;
  let qu: RunningService;
  let understanding: ServiceClient<typeof QueryUnderstandingService>;
  const brandsOf = async (query: string) => (await understanding.understand({ query })).parsed!.filters!.brands;

  beforeAll(async () => {
    const admin = new Kafka({ clientId: 'qu-it-admin', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: topic.name, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    await admin.disconnect();
    producer = new KafkaEventBus({ brokers: brokers.split(','), clientId: 'qu-it-producer' }, logger);
    // Published before the service starts: it must replay the topic from the beginning.
    await producer.publish(topic, [{ key: 'k-1', message: upsert(create(ProductSchema, { id: 'k-1', title: 'Zephyrine trail shoes', brand: 'Zephyrine', categoryPath: ['Shoes'] })) }]);
    qu = await startService(queryUnderstandingService, {
      ...TEST_SERVICE_ENV,
      LOG_LEVEL: 'warn',
      QU_EVENT_BUS: 'kafka',
      KAFKA_BROKERS: brokers,
      QU_CATALOG_TOPIC: topic.name,
      QU_DICTIONARY_REBUILD_QUIET_MS: '100',
    });
    understanding = client(qu.grpcPort);
  }, 120_000);

  afterAll(async () => {
    understanding?.close();
    await qu?.stop();
    await producer?.close();
  });

  it('replays the compacted topic at start, then follows upserts and deletes without a restart', async () => {
    await expectEventually(async () => expect(await brandsOf('zephyrine shoes')).toEqual(['Zephyrine']), { timeoutMs: 60_000 });

    // A new brand arrives, as protobuf JSON this time (producers may send either).
    await producer.publish(topic, [{ key: 'k-2', message: upsert(create(ProductSchema, { id: 'k-2', title: 'Marlowe leather boots', brand: 'Marlowe', categoryPath: ['Shoes'] })) }], 'json');
    await expectEventually(async () => expect(await brandsOf('marlowe boots')).toEqual(['Marlowe']), { timeoutMs: 30_000 });

    await producer.publish(topic, [{ key: 'k-1', message: create(CatalogChangeSchema, { change: { case: 'delete', value: { productId: 'k-1' } } }) }]);
    await expectEventually(async () => expect(await brandsOf('zephyrine shoes')).toEqual([]), { timeoutMs: 30_000 });
    expect(await brandsOf('marlowe boots')).toEqual(['Marlowe']);
  });
});
