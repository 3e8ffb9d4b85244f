import { AppError } from '@shopsense/errors';
import type { UserStateStore } from '@shopsense/user-state';
import { hash32 } from '@shopsense/user-state';
import { planBatch, prepareRequest, vectorItems, type EventOutcome, type ItemVectors, type PlannedEvent, type PlannerSettings } from '../domain/batch-planner';
import type { FeedbackMetrics } from './feedback-metrics';
import type { ItemVectorSource } from './item-vector-source.port';

/** A failure worth retrying as is (a store or network outage), as opposed to a poison batch. */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

export const MAX_CONFLICT_ROUNDS = 8;

/** How long an item-vector lookup may take: the first try's deadline, doubled after each timeout up to the last. */
export interface VectorLookupDeadlines {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_VECTOR_DEADLINES: VectorLookupDeadlines = { initialMs: 2_000, maxMs: 60_000 };

/** Codes of a source that is down or slow now, and may answer later: the batch waits for it. */
const SOURCE_OUTAGE_CODES = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'CANCELLED']);

/**
 * Applies a batch of validated events exactly once in effect: read (prepare) → plan (pure) →
 * atomic conditional write (apply), again from the read when another writer changed the state
 * in between. Item embeddings are fetched once per batch, concurrently with the first read.
 *
 * When the item-vector source is down or slow, the batch is not applied: it fails as transient,
 * the intake retries it with backoff and the partition waits (backpressure), so no interest-vector
 * update is ever skipped. Applying the counters now and the vectors later would need a durable
 * queue of vector steps that must still be applied in event order; waiting is exact and simple.
 * Each timeout doubles the next lookup's deadline (up to `deadlines.maxMs`), so a source that is
 * merely slow is waited for rather than retried forever within a deadline it cannot meet. Items
 * the source does not know (not embedded yet) are not a failure: they get no vector step.
 */
export class StateWriter {
  constructor(
    private readonly store: UserStateStore,
    private readonly vectorSource: ItemVectorSource,
    private readonly settings: PlannerSettings,
    private readonly metrics: FeedbackMetrics,
    private readonly onVectorFailure: (error: unknown) => void,
    private readonly clock: () => number = Date.now,
    private readonly deadlines: VectorLookupDeadlines = DEFAULT_VECTOR_DEADLINES,
  ) {
    this.vectorTimeoutMs = deadlines.initialMs;
  }

  private vectorTimeoutMs: number;

  async apply(events: readonly PlannedEvent[]): Promise<EventOutcome[]> {
    if (events.length === 0) return [];
    const request = prepareRequest(events);
    const wanted = vectorItems(events);
    const vectors: Promise<ItemVectors> = wanted.length === 0 ? Promise.resolve({ vectors: new Map(), modelTag: 0 }) : this.lookUpVectors(wanted);
    vectors.catch(() => undefined); // awaited below, after the first read: not unhandled meanwhile
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round++) {
      const prepared = await this.timed('prepare', () => this.store.prepare(request));
      const planned = planBatch(events, request, prepared, await vectors, this.settings, this.clock());
      const result = await this.timed('apply', () => this.store.apply(planned.plan));
      if (result.applied) {
        if (planned.vectorUpdates > 0) this.metrics.vectorUpdates.inc({ result: 'applied' }, planned.vectorUpdates);
        if (planned.vectorMisses > 0) this.metrics.vectorUpdates.inc({ result: 'missing' }, planned.vectorMisses);
        return planned.outcomes;
      }
      this.metrics.conflicts.inc({ conflict: result.conflict });
    }
    throw new TransientError(`the state changed under the batch ${MAX_CONFLICT_ROUNDS} times in a row`);
  }

  /** The batch's item vectors; a source outage rejects with TransientError (the batch is retried, never applied without them). */
  private async lookUpVectors(wanted: string[]): Promise<ItemVectors> {
    const timeoutMs = this.vectorTimeoutMs;
    try {
      const batch = await this.vectorSource.getVectors(wanted, { timeoutMs });
      this.vectorTimeoutMs = this.deadlines.initialMs;
      return { vectors: batch.vectors, modelTag: hash32(batch.modelVersion) };
    } catch (error) {
      this.metrics.vectorUpdates.inc({ result: 'delayed' }, wanted.length);
      this.onVectorFailure(error);
      if (error instanceof AppError && !SOURCE_OUTAGE_CODES.has(error.code)) throw error; // about the request: the intake isolates it
      if (error instanceof AppError && error.code === 'DEADLINE_EXCEEDED') this.vectorTimeoutMs = Math.min(this.deadlines.maxMs, timeoutMs * 2);
      throw new TransientError(`item vectors unavailable (${(error as Error).message}); the batch waits for them`);
    }
  }

  private async timed<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const end = this.metrics.stateWriteSeconds.startTimer({ operation });
    try {
      return await work();
    } finally {
      end();
    }
  }
}
