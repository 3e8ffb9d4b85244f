import { TrainingExampleSchema, type TrainingExample } from '@shopsense/contracts';
import type { EventBus, TopicDefinition } from '@shopsense/events';
import type { Logger } from '@shopsense/observability';
import { PeriodicTask } from '@shopsense/service-runtime';
import { decodeServedList, type ClaimedJoin, type UserStateStore } from '@shopsense/user-state';
import { buildTrainingExamples } from '../domain/training-join';
import type { FeedbackMetrics } from './feedback-metrics';

export interface TrainingJoinerOptions {
  intervalMs: number;
  /** How long a claimed join is reserved for this sweeper before another may take it. */
  leaseMs: number;
  batch: number;
}

/**
 * Emits training examples when join windows close: claims due joins (leased, so replicas do not
 * emit the same request twice in normal operation), publishes their examples keyed by
 * request_id, then deletes the join state. A crash between publish and delete re-emits the same
 * examples after the lease: delivery is at least once, and consumers dedupe by (request_id,
 * item_id).
 */
export class TrainingJoiner {
  private readonly task: PeriodicTask;

  constructor(
    private readonly store: UserStateStore,
    private readonly bus: EventBus,
    private readonly topic: TopicDefinition<typeof TrainingExampleSchema>,
    private readonly options: TrainingJoinerOptions,
    private readonly metrics: FeedbackMetrics,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.task = new PeriodicTask('training join sweep', options.intervalMs, () => this.sweepOnce(), logger);
  }

  async sweepOnce(): Promise<number> {
    let published = 0;
    for (;;) {
      const now = this.clock();
      const claimed = await this.store.claimDueJoins(now, this.options.batch, this.options.leaseMs);
      if (claimed.length === 0) break;
      const examples = claimed.flatMap((join) => this.examples(join, now));
      await this.bus.publish(this.topic, examples.map((e) => ({ key: e.requestId, message: e })));
      await this.store.completeJoins(claimed.map((c) => c.requestId));
      for (const e of examples) this.metrics.trainingExamples.inc({ features: e.modelVersion ? 'logged' : 'missing' });
      published += examples.length;
      if (claimed.length < this.options.batch) break;
    }
    return published;
  }

  private examples(join: ClaimedJoin, now: number): TrainingExample[] {
    let served: TrainingExample[] = [];
    try {
      if (join.served) served = decodeServedList(join.served);
    } catch (error) {
      this.logger.warn({ request_id: join.requestId, err: (error as Error).message }, 'unreadable served-list log; examples go out without features');
    }
    return buildTrainingExamples(join, served, now);
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
