import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { CONTENT_TYPE_HEADER, encodeRecord, type WireFormat } from './codec';
import type { TopicDefinition } from './topic-registry';

/** What a handler decided about one record (conventions §9). */
export type HandlerOutcome =
  | { outcome: 'done' }
  /** A transient failure (a store is down): retried with backoff, the partition waits. */
  | { outcome: 'retry'; reason: string }
  /** The record can never be processed: it goes to the dead-letter topic with the reason. */
  | { outcome: 'dead-letter'; reason: string };

export const done: HandlerOutcome = { outcome: 'done' };
export const retry = (reason: string): HandlerOutcome => ({ outcome: 'retry', reason });
export const deadLetter = (reason: string): HandlerOutcome => ({ outcome: 'dead-letter', reason });

export interface RecordMeta {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  headers: Record<string, string>;
  timestamp: Date;
}

export type EventHandler<S extends DescMessage> = (message: MessageShape<S>, meta: RecordMeta) => Promise<HandlerOutcome>;

export interface OutgoingRecord<S extends DescMessage> {
  key: string;
  message: MessageShape<S>;
  headers?: Record<string, string>;
}

/** A record as raw bytes, for producers that already hold an encoded payload. */
export interface RawRecord {
  key: string | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

export interface SubscribeOptions<S extends DescMessage> {
  groupId: string;
  handler: EventHandler<S>;
  /** Attempts for a handler that throws before the record is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Where a new group starts (default: earliest, so nothing published before it is missed). */
  fromBeginning?: boolean;
}

export interface Subscription {
  stop(): Promise<void>;
}

/**
 * The event bus port: Kafka in cluster mode, an in-process bus in standalone mode. Both give
 * at-least-once delivery with the position committed only after the handler's work, so
 * handlers must be idempotent (by event id).
 */
export interface EventBus {
  publish<S extends DescMessage>(topic: TopicDefinition<S>, records: OutgoingRecord<S>[], format?: WireFormat): Promise<void>;
  publishRaw(topic: string, records: RawRecord[]): Promise<void>;
  subscribe<S extends DescMessage>(topic: TopicDefinition<S>, options: SubscribeOptions<S>): Promise<Subscription>;
  /**
   * Per partition, the offset the next record will take (Kafka's high watermark): a consumer
   * that has handled the record before it in every partition has read the topic to its end.
   */
  endOffsets(topic: string): Promise<Map<number, bigint>>;
  /**
   * Removes the dead letters recorded under `key` where this bus keeps them itself (standalone's
   * dead-letter file; behaviour events are keyed by user id, so ForgetUser passes the raw id).
   * Absent where the dead letters live in a topic this process cannot rewrite (Kafka: the
   * topic's retention bounds them, docs/events.md). Returns how many were removed.
   */
  forgetDeadLetters?(key: string): Promise<number>;
  /**
   * Resolves once every consumer of the topic has fewer than `records` records still to process
   * (standalone, whose topics live in this process's memory: a bulk producer paces itself with
   * it). Absent on Kafka, where the brokers hold any backlog.
   */
  waitForBacklogBelow?(topic: string, records: number): Promise<void>;
  /**
   * Empties the records keyed by `key` in the topics this bus keeps itself (standalone's event
   * log, in memory and on disk): each becomes a record with no key or value and the header
   * FORGOTTEN_RECORD_HEADER, at the same offset, which consumers skip. ForgetUser passes the raw
   * user id (behaviour events are keyed by it). Absent on Kafka, whose retention bounds the raw
   * records (docs/events.md). Returns how many records were emptied on disk.
   */
  forgetRecords?(key: string): Promise<number>;
  close(): Promise<void>;
}

/** Marks a record whose content was removed because its user was forgotten: consumers skip it. */
export const FORGOTTEN_RECORD_HEADER = 'x-shopsense-forgotten';

/** Headers a dead-lettered record carries besides its own. */
export const DeadLetterHeaders = {
  reason: 'x-dlq-reason',
  sourceTopic: 'x-dlq-source-topic',
  sourcePartition: 'x-dlq-source-partition',
  sourceOffset: 'x-dlq-source-offset',
  consumerGroup: 'x-dlq-consumer-group',
  failedAt: 'x-dlq-failed-at',
} as const;

/** Typed records encoded for a topic, with the content-type header that says how. */
export function toRawRecords<S extends DescMessage>(topic: TopicDefinition<S>, records: readonly OutgoingRecord<S>[], format: WireFormat): RawRecord[] {
  return records.map((record) => {
    const { value, contentType } = encodeRecord(topic.schema, record.message, format);
    return { key: record.key, value, headers: { ...record.headers, [CONTENT_TYPE_HEADER]: contentType } };
  });
}
