import type { DescMessage } from '@bufbuild/protobuf';
import { Kafka, logLevel, type IHeaders, type KafkaConfig, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from '@shopsense/observability';
import type { WireFormat } from './codec';
import { DeadLetterHeaders, toRawRecords, type EventBus, type OutgoingRecord, type RawRecord, type RecordMeta, type SubscribeOptions, type Subscription } from './event-bus';
import { DEFAULT_RETRY_POLICY, processRecord } from './record-processor';
import { DEAD_LETTER_TOPIC, type TopicDefinition } from './topic-registry';
import { reasonForLog } from './log-redaction';
import { injectTraceHeaders } from './trace-headers';
import { SupervisedConsumer } from './supervised-consumer';

export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[key] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

/** kafkajs logs through our JSON logger, at warn and above. */
function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = log;
      if (level <= logLevel.ERROR) logger.error(rest, `kafka: ${message}`);
      else if (level === logLevel.WARN) logger.warn(rest, `kafka: ${message}`);
    };
}

/**
 * The Kafka adapter: an idempotent producer (acks=all), and consumers that commit an offset
 * only after the record's verdict is durable (handled, or written to the dead-letter topic).
 */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private producer?: Producer;
  private producerConnecting?: Promise<Producer>;
  private readonly consumers = new Set<SupervisedConsumer>();

  constructor(options: KafkaConnectionOptions, private readonly logger: Logger) {
    const config: KafkaConfig = {
      clientId: options.clientId,
      brokers: options.brokers,
      ssl: options.ssl ?? false,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger),
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    };
    if (options.sasl) config.sasl = options.sasl as SASLOptions;
    this.kafka = new Kafka(config);
  }

  get client(): Kafka {
    return this.kafka;
  }

  private async getProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    this.producerConnecting ??= (async () => {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      this.producer = producer;
      return producer;
    })();
    try {
      return await this.producerConnecting;
    } catch (error) {
      this.producerConnecting = undefined;
      throw error;
    }
  }

  async publish<S extends DescMessage>(topic: TopicDefinition<S>, records: OutgoingRecord<S>[], format: WireFormat = 'binary'): Promise<void> {
    await this.publishRaw(topic.name, toRawRecords(topic, records, format));
  }

  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  async publishRaw(topic: string, records: RawRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = await this.getProducer();
    // One trace context for the call's records: they were published together.
    const trace = injectTraceHeaders({});
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: { ...trace, ...r.headers } })),
    });
  }

  async subscribe<S extends DescMessage>(topic: TopicDefinition<S>, options: SubscribeOptions<S>): Promise<Subscription> {
    const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts };
    let running = true;
    const consumer = new SupervisedConsumer(
      this.kafka,
      {
        consumer: { groupId: options.groupId, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3_000 },
        subscription: { topics: [topic.name], fromBeginning: options.fromBeginning ?? true },
        run: (current) => ({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
            let lastProcessed: string | undefined;
            let lastCommit = Date.now();
            const commit = async () => {
              if (lastProcessed === undefined) return;
              await current.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(lastProcessed) + 1n).toString() }]);
              lastProcessed = undefined;
              lastCommit = Date.now();
            };
            for (const message of batch.messages) {
              if (!running || !isRunning() || isStale()) break;
              const meta: RecordMeta = {
                topic: batch.topic,
                partition: batch.partition,
                offset: message.offset,
                key: message.key?.toString('utf8'),
                headers: headersToStrings(message.headers),
                timestamp: new Date(Number(message.timestamp)),
              };
              const verdict = await processRecord(topic.schema, message.value, meta, options.handler, policy, this.logger, () => running && isRunning());
              if (verdict === undefined) break; // stopping: leave it uncommitted, it will be redelivered
              if (verdict.kind === 'dead-letter') {
                await this.deadLetter(message.key, message.value, message.headers, meta, options.groupId, verdict.reason);
              }
              resolveOffset(message.offset);
              lastProcessed = message.offset;
              // Commit in small steps so a crash redelivers little; handlers are idempotent anyway.
              if (Date.now() - lastCommit > 1_000) await commit();
              await heartbeat();
            }
            await commit();
          },
        }),
      },
      this.logger,
    );
    this.consumers.add(consumer);
    await consumer.start();

    return {
      stop: async () => {
        running = false;
        await consumer.stop();
        this.consumers.delete(consumer);
      },
    };
  }

  private async deadLetter(key: Buffer | null, value: Buffer | null, headers: IHeaders | undefined, meta: RecordMeta, groupId: string, reason: string): Promise<void> {
    this.logger.warn({ topic: meta.topic, partition: meta.partition, offset: meta.offset, reason: reasonForLog(reason) }, 'record dead-lettered');
    const producer = await this.getProducer();
    await producer.send({
      topic: DEAD_LETTER_TOPIC,
      acks: -1,
      messages: [
        {
          key,
          value,
          headers: {
            ...headers,
            [DeadLetterHeaders.reason]: reason.slice(0, 2_000),
            [DeadLetterHeaders.sourceTopic]: meta.topic,
            [DeadLetterHeaders.sourcePartition]: String(meta.partition),
            [DeadLetterHeaders.sourceOffset]: meta.offset,
            [DeadLetterHeaders.consumerGroup]: groupId,
            [DeadLetterHeaders.failedAt]: new Date().toISOString(),
          },
        },
      ],
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    await this.producer?.disconnect();
    this.producer = undefined;
    this.producerConnecting = undefined;
  }
}
