import type { DescMessage } from '@bufbuild/protobuf';
import type { Logger } from '@shopsense/observability';
import { CONTENT_TYPE_HEADER, decodeRecord } from './codec';
import type { EventHandler, RecordMeta } from './event-bus';
import { reasonForLog } from './log-redaction';

export type RecordVerdict = { kind: 'done' } | { kind: 'dead-letter'; reason: string };

export interface RetryPolicy {
  /** Attempts for a handler that throws (a bug or a poison record) before dead-lettering. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Decodes one record and runs its handler until it reaches a final verdict, the part shared by
 * the Kafka and in-process adapters. A record that cannot be decoded is dead-lettered at once;
 * a handler that asks for a retry (a store is down) is retried until `isRunning` turns false,
 * since dead-lettering valid events for an outage would lose them in effect; a handler that
 * throws is retried `maxAttempts` times, then dead-lettered so it never blocks its partition.
 * Returns undefined when stopped before a verdict (the record will be redelivered).
 */
export async function processRecord<S extends DescMessage>(
  schema: S,
  value: Buffer | null,
  meta: RecordMeta,
  handler: EventHandler<S>,
  policy: RetryPolicy,
  logger: Logger,
  isRunning: () => boolean,
): Promise<RecordVerdict | undefined> {
  const decoded = decodeRecord(schema, value, meta.headers[CONTENT_TYPE_HEADER]);
  if (!decoded.ok) return { kind: 'dead-letter', reason: decoded.reason };

  let failures = 0;
  let retries = 0;
  while (isRunning()) {
    try {
      const result = await handler(decoded.message, meta);
      if (result.outcome === 'done') return { kind: 'done' };
      if (result.outcome === 'dead-letter') return { kind: 'dead-letter', reason: result.reason };
      retries++;
      logger.warn({ topic: meta.topic, partition: meta.partition, offset: meta.offset, reason: reasonForLog(result.reason), retries }, 'handler asked to retry');
      await sleep(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retries, 16)));
    } catch (error) {
      failures++;
      const reason = `handler failed ${failures} time(s): ${(error as Error).message ?? String(error)}`;
      if (failures >= policy.maxAttempts) return { kind: 'dead-letter', reason };
      logger.warn({ topic: meta.topic, partition: meta.partition, offset: meta.offset, err: error, failures }, 'handler threw, retrying');
      await sleep(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** failures));
    }
  }
  return undefined;
}
