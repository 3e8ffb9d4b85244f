import { isMessage } from '@bufbuild/protobuf';
import { BehaviorEventSchema } from '@shopsense/contracts';
import type { InProcessEventBus, Subscription } from '@shopsense/events';
import type { EventIntake } from '../application/event-intake.service';
import type { FeedbackMetrics } from '../application/feedback-metrics';

/**
 * Standalone mode: the in-process bus hands the intake its records in batches, raw, exactly as
 * the Kafka adapter does, so both modes share one path (decode → validate → plan → apply) and one
 * set of metrics. Records Track published in this process come with their event, which is not
 * decoded again. A batch is whatever arrived while the previous one was being applied, up to
 * `maxRecords`; the group's position moves past it only once every record has its verdict.
 */
export class InProcessIntake {
  private subscription?: Subscription;
  private running = false;

  constructor(
    private readonly bus: InProcessEventBus,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly maxRecords: number,
    private readonly intake: EventIntake,
    private readonly metrics: FeedbackMetrics,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    this.subscription = await this.bus.subscribeBatches(this.topic, {
      groupId: this.groupId,
      maxRecords: this.maxRecords,
      handler: async (records) => {
        const finished = await this.intake.processRecords(
          records.map((r) => ({
            key: r.key === null ? null : Buffer.from(r.key),
            value: r.value,
            headers: r.headers,
            timestampMs: r.timestamp.getTime(),
            topic: this.topic,
            partition: 0,
            offset: String(r.offset),
            ...(isMessage(r.message, BehaviorEventSchema) ? { message: r.message } : {}),
          })),
          this.groupId,
          () => this.running,
        );
        if (finished) this.metrics.consumerLag.set({ topic: this.topic, partition: '0' }, this.bus.endOffset(this.topic) - records[records.length - 1]!.offset - 1);
        return finished;
      },
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.subscription?.stop();
  }
}
