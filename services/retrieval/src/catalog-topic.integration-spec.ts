import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { Kafka, logLevel } from 'kafkajs';
import { CatalogChangeSchema, CatalogService, ProductSchema, type CatalogChange } from '@shopsense/contracts';
import { done, KafkaEventBus, Topics } from '@shopsense/events';
import { createGrpcClient } from '@shopsense/grpc';
import { createLogger } from '@shopsense/observability';
import { startService, type RunningService } from '@shopsense/service-runtime';
import { expectEventually, startServiceProcess, TEST_SERVICE_ENV, type StartedServiceProcess } from '@shopsense/testing';
import { retrievalService } from './retrieval.service-definition';

const brokers = process.env['KAFKA_BROKERS']!;

describe('retrieval and the catalog topic (real Kafka)', () => {
  const topic = { ...Topics.catalogChanges, name: `test.catalog.${randomUUID()}` };
  let embedding: StartedServiceProcess;
  let retrieval: RunningService;
  let bus: KafkaEventBus;

  beforeAll(async () => {
    const admin = new Kafka({ clientId: 'catalog-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: topic.name, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    await admin.disconnect();
    embedding = await startServiceProcess('services/embedding/src/main.ts', { EMBEDDING_MODEL_DIR: process.env['EMBEDDING_MODEL_DIR'], EMBEDDING_MODEL_FILE: 'model.int8.onnx' });
    retrieval = await startService(retrievalService, {
      ...TEST_SERVICE_ENV,
      LOG_LEVEL: 'warn',
      EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`,
      UPSTREAM_TLS_MODE: 'insecure',
      RETRIEVAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'catalog-topic-')),
      RETRIEVAL_EVENT_BUS: 'kafka',
      KAFKA_BROKERS: brokers,
      RETRIEVAL_CATALOG_TOPIC: topic.name,
      RETRIEVAL_CONSUMER_GROUP: `retrieval-test-${randomUUID()}`,
    });
    bus = new KafkaEventBus({ brokers: brokers.split(','), clientId: 'catalog-test' }, createLogger('catalog-test', 'silent'));
  }, 120_000);

  afterAll(async () => {
    await bus.close();
    await retrieval.stop();
    embedding.child.kill('SIGTERM');
    await embedding.exited;
  });

  it('indexes products another producer publishes, and deletes them', async () => {
    const client = createGrpcClient(CatalogService, `127.0.0.1:${retrieval.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 10_000 });
    const product = create(ProductSchema, { id: 'kafka-1', title: 'Cordless drill with two batteries', price: 99 });
    await bus.publish(topic, [{ key: product.id, message: create(CatalogChangeSchema, { change: { case: 'upsert', value: product } }) }]);
    await expectEventually(async () => expect((await client.getProduct({ productId: 'kafka-1' })).product?.title).toBe(product.title), { timeoutMs: 60_000 });
    await bus.publish(topic, [{ key: product.id, message: create(CatalogChangeSchema, { change: { case: 'delete', value: { productId: 'kafka-1' } } }) }]);
    await expectEventually(async () => expect(client.getProduct({ productId: 'kafka-1' })).rejects.toMatchObject({ code: 'NOT_FOUND' }), { timeoutMs: 60_000 });
    client.close();
  });

  it('publishes the changes it receives over gRPC, so other services hear of them', async () => {
    const seen: CatalogChange[] = [];
    await bus.subscribe(topic, { groupId: `observer-${randomUUID()}`, handler: async (change) => (seen.push(change), done) });
    const client = createGrpcClient(CatalogService, `127.0.0.1:${retrieval.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 60_000 });
    await client.upsertProducts([{ product: { id: 'grpc-1', title: 'Stainless steel thermos 1 L', price: 20 } }]);
    await client.deleteProducts({ productIds: ['grpc-1'] });
    await expectEventually(
      () => {
        const forGrpc1 = seen.filter((c) => (c.change.case === 'upsert' ? c.change.value.id : c.change.value?.productId) === 'grpc-1');
        expect(forGrpc1.map((c) => c.change.case)).toEqual(['upsert', 'delete']);
      },
      { timeoutMs: 60_000 },
    );
    client.close();
  });
});
