import type { BehaviorEvent } from '@shopsense/contracts';

/** A record as it arrived, kept unchanged for the dead-letter topic. */
export interface IntakeRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** The record's timestamp (ms): the event time of events without occurred_at. */
  timestampMs: number;
  topic: string;
  partition: number;
  offset: string;
  /** The event as published, when that was in this process (standalone): it is not decoded again. */
  message?: BehaviorEvent;
}

export type DeadLetterStage = 'decode' | 'validate' | 'apply';

export interface DeadLetter {
  record: IntakeRecord;
  reason: string;
  stage: DeadLetterStage;
}

/** Where invalid records go: the dead-letter topic (Kafka) or file (standalone), with the reason in headers. */
export interface DeadLetterSink {
  send(deadLetters: readonly DeadLetter[], consumerGroup: string): Promise<void>;
  /** Removes a user's dead letters where the sink can (standalone's file); returns how many. */
  forgetUser(userId: string): Promise<number>;
}
