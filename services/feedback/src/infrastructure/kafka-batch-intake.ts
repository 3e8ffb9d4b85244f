import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import { DEFAULT_SUPERVISION, SupervisedConsumer } from '@shopsense/events';
import type { Logger } from '@shopsense/observability';
import type { IntakeRecord } from '../application/dead-letter.port';
import type { EventIntake } from '../application/event-intake.service';
import type { FeedbackMetrics } from '../application/feedback-metrics';

export interface KafkaBatchIntakeOptions {
  topic: string;
  groupId: string;
  /** Events per state write (one Lua call); the offset is committed after each. */
  chunkSize: number;
  /** How many partitions are processed at once (each partition stays in order). */
  partitionsConcurrently: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxBytesPerPartition: number;
  /** A consumer without progress for this long is replaced (see SupervisedConsumer). */
  stallTimeoutMs: number;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[key] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

/**
 * The Kafka side of the intake: a consumer group that hands each partition's records to the
 * intake in chunks and commits a chunk's offsets only once every record in it has its verdict
 * (written to the state, or durably dead-lettered). A crash anywhere before the commit
 * redelivers the chunk, and the dedup records make the replay change nothing.
 *
 * It is built on kafkajs directly rather than EventBus.subscribe, whose handler sees one record
 * at a time: a state write per record would cap throughput at one Redis round trip per event.
 * Like the bus's consumers it is supervised: one that kafkajs gives up on is replaced.
 */
export class KafkaBatchIntake {
  private consumer?: SupervisedConsumer;
  private running = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly intake: EventIntake,
    private readonly options: KafkaBatchIntakeOptions,
    private readonly metrics: FeedbackMetrics,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const o = this.options;
    this.consumer = new SupervisedConsumer(
      this.kafka,
      {
        consumer: {
          groupId: o.groupId,
          sessionTimeout: o.sessionTimeoutMs,
          heartbeatInterval: o.heartbeatIntervalMs,
          rebalanceTimeout: o.rebalanceTimeoutMs,
          maxBytesPerPartition: o.maxBytesPerPartition,
          maxWaitTimeInMs: 250,
          allowAutoTopicCreation: false,
        },
        subscription: { topics: [o.topic], fromBeginning: true },
        run: (consumer) => ({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: o.partitionsConcurrently,
          eachBatch: (payload) => this.onBatch(consumer, payload),
        }),
        onRestart: (reason) => this.metrics.consumerRestarts.inc({ reason }),
      },
      this.logger,
      { ...DEFAULT_SUPERVISION, stallTimeoutMs: o.stallTimeoutMs },
    );
    this.running = true;
    await this.consumer.start();
    this.logger.info({ topic: o.topic, group: o.groupId }, 'consuming');
  }

  private async onBatch(consumer: Consumer, { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const active = () => this.running && isRunning() && !isStale();
    for (let start = 0; start < batch.messages.length; start += this.options.chunkSize) {
      if (!active()) return;
      const chunk = batch.messages.slice(start, start + this.options.chunkSize);
      const records: IntakeRecord[] = chunk.map((m) => ({
        key: m.key,
        value: m.value,
        headers: headerStrings(m.headers),
        timestampMs: Number(m.timestamp),
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
      }));
      const finished = await this.intake.processRecords(records, this.options.groupId, active);
      if (!finished) return; // stopping or revoked: uncommitted, so redelivered to whoever owns the partition next
      const last = chunk[chunk.length - 1]!.offset;
      resolveOffset(last);
      const next = (BigInt(last) + 1n).toString();
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      this.metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))));
      await heartbeat();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.consumer?.stop();
  }
}
