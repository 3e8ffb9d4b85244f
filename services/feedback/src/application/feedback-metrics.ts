import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the feedback service exports besides the common gRPC metrics. */
export class FeedbackMetrics {
  readonly events: Counter<'source' | 'outcome'>;
  readonly deadLetters: Counter<'source' | 'stage'>;
  readonly stateWriteSeconds: Histogram<'operation'>;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly consumerRestarts: Counter<'reason'>;
  readonly conflicts: Counter<'conflict'>;
  readonly vectorUpdates: Counter<'result'>;
  readonly trainingExamples: Counter<'features'>;
  readonly usersForgotten: Counter;
  readonly profilesEvicted: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.events = new Counter({
      name: 'feedback_events_total',
      help: 'Behaviour events by source (kafka, in-process, track, import) and outcome (applied, duplicate, forgotten, dead_lettered, published).',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'feedback_dead_letters_total',
      help: 'Records sent to the dead-letter topic (or file), by source and stage (decode, validate, apply).',
      labelNames: ['source', 'stage'],
      registers,
    });
    this.stateWriteSeconds = new Histogram({
      name: 'feedback_state_write_seconds',
      help: 'Latency of user-state store calls (prepare, apply, forget, claim_joins).',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'feedback_consumer_lag',
      help: 'Records between the last committed offset and the partition high watermark, as of the last batch.',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.consumerRestarts = new Counter({
      name: 'feedback_consumer_restarts_total',
      help: 'Kafka consumers replaced because kafkajs gave up on them (crashed) or they made no progress (stalled).',
      labelNames: ['reason'],
      registers,
    });
    this.conflicts = new Counter({
      name: 'feedback_apply_conflicts_total',
      help: 'Batches whose state changed between read and write (re-planned), by conflict.',
      labelNames: ['conflict'],
      registers,
    });
    this.vectorUpdates = new Counter({
      name: 'feedback_vector_updates_total',
      help: 'Item embeddings folded into interest vectors (applied), not embedded by retrieval (missing), or asked for while retrieval failed or was slow, so the batch waited and was retried (delayed).',
      labelNames: ['result'],
      registers,
    });
    this.trainingExamples = new Counter({
      name: 'feedback_training_examples_total',
      help: 'Training examples published, by whether the ranker had logged features for the item.',
      labelNames: ['features'],
      registers,
    });
    this.usersForgotten = new Counter({ name: 'feedback_users_forgotten_total', help: 'ForgetUser requests carried out.', registers });
    this.profilesEvicted = new Counter({ name: 'feedback_profiles_evicted_total', help: 'User profiles dropped after the retention period without events.', registers });
  }

  /** The intake's outcomes since these metrics were created, and its backlog: what GetIntakeStatus answers (the numbers /metrics shows). */
  async intakeTotals(): Promise<IntakeTotals> {
    const totals = { applied: 0, duplicates: 0, forgotten: 0, deadLettered: 0, backlog: 0, sinceMs: this.createdAtMs };
    const field = { applied: 'applied', duplicate: 'duplicates', forgotten: 'forgotten', dead_lettered: 'deadLettered' } as const;
    for (const { labels, value } of (await this.events.get()).values) {
      // The intake counts what it applies, skips and dead-letters. Track and ImportEvents screen out
      // duplicates and forgotten users' events before publishing (those never reach the intake), so
      // theirs count too; what they publish or dead-letter is the intake's to count.
      const intake = labels.source === 'kafka' || labels.source === 'in-process';
      const screened = labels.outcome === 'duplicate' || labels.outcome === 'forgotten';
      if (!intake && !screened) continue;
      const name = field[labels.outcome as keyof typeof field];
      if (name) totals[name] += value;
    }
    for (const { value } of (await this.consumerLag.get()).values) totals.backlog += value;
    return totals;
  }

  private readonly createdAtMs = Date.now();
}

export interface IntakeTotals {
  applied: number;
  duplicates: number;
  forgotten: number;
  deadLettered: number;
  backlog: number;
  sinceMs: number;
}
