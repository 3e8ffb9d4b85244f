import { DEAD_LETTER_TOPIC, DeadLetterHeaders, type EventBus, type RawRecord } from '@shopsense/events';
import type { Logger } from '@shopsense/observability';
import type { DeadLetter, DeadLetterSink } from '../application/dead-letter.port';

const BATCH_BYTES = 256 * 1024;
/** Set on a dead letter whose value had to be left out (it exceeded the dead-letter topic's size limit). */
export const VALUE_OMITTED_HEADER = 'x-dlq-value-omitted';

/** A reason fit for logs: decoder messages may quote the offending value (possibly personal data). */
export function reasonForLog(reason: string): string {
  return reason.replace(/(from JSON: ).*$/s, '$1<value hidden>').slice(0, 300);
}

/**
 * Dead letters through the event bus: the Kafka adapter writes them to shopsense.events.dlq.v1
 * (acks=all, so they are durable before the source offset is committed); the in-process adapter
 * appends them to its dead-letter file. The record goes unchanged; the reason rides in headers.
 */
export class BusDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  /** Behaviour events are keyed by user id, so are their dead letters: the bus drops them where it keeps them. */
  async forgetUser(userId: string): Promise<number> {
    return (await this.bus.forgetDeadLetters?.(userId)) ?? 0;
  }

  async send(deadLetters: readonly DeadLetter[], consumerGroup: string): Promise<void> {
    if (deadLetters.length === 0) return;
    const failedAt = new Date().toISOString();
    const records = deadLetters.map(({ record, reason }) => ({
      key: record.key === null ? null : record.key.toString('utf8'),
      value: record.value,
      headers: {
        ...record.headers,
        [DeadLetterHeaders.reason]: reason.slice(0, 2_000),
        [DeadLetterHeaders.sourceTopic]: record.topic,
        [DeadLetterHeaders.sourcePartition]: String(record.partition),
        [DeadLetterHeaders.sourceOffset]: record.offset,
        [DeadLetterHeaders.consumerGroup]: consumerGroup,
        [DeadLetterHeaders.failedAt]: failedAt,
      },
    }));
    // Batches stay well under the broker's message size limit; a big record travels alone.
    let batch: RawRecord[] = [];
    let bytes = 0;
    for (const record of records) {
      const size = record.value?.length ?? 0;
      if (batch.length > 0 && bytes + size > BATCH_BYTES) {
        await this.publish(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(record);
      bytes += size;
    }
    await this.publish(batch);
    // Offsets and sanitised reasons only: a record's content may hold personal data.
    for (const { record, reason, stage } of deadLetters.slice(0, 10)) {
      this.logger.warn({ topic: record.topic, partition: record.partition, offset: record.offset, stage, reason: reasonForLog(reason) }, 'record dead-lettered');
    }
    if (deadLetters.length > 10) this.logger.warn({ more: deadLetters.length - 10 }, 'more records dead-lettered');
  }

  private async publish(batch: RawRecord[]): Promise<void> {
    try {
      await this.bus.publishRaw(DEAD_LETTER_TOPIC, batch);
    } catch (error) {
      if (batch.length !== 1 || (error as { type?: string }).type !== 'MESSAGE_TOO_LARGE') throw error;
      // The one record that cannot be kept unchanged: keep its headers and reason, say what was dropped.
      const [record] = batch;
      await this.bus.publishRaw(DEAD_LETTER_TOPIC, [
        { ...record!, value: null, headers: { ...record!.headers, [VALUE_OMITTED_HEADER]: `${record!.value?.length ?? 0} bytes, over the dead-letter topic's message size limit` } },
      ]);
    }
  }
}
