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

/**
 * Applies a batch of validated events exactly once in effect: read (prepare) → plan (pure) →
 * atomic conditional write (apply), again from the read when another writer changed the state
 * in between. Item embeddings are fetched once per batch, concurrently with the first read.
 *
 * When the item-vector source fails, the batch is still applied without vector updates (the
 * counters, lists and co-occurrence do not depend on embeddings) and the skip is counted: an
 * interest vector is a moving average, so one missed step is absorbed by the next events,
 * whereas waiting for retrieval would stall every partition behind one dependency.
 */
export class StateWriter {
  constructor(
    private readonly store: UserStateStore,
    private readonly vectorSource: ItemVectorSource,
    private readonly settings: PlannerSettings,
    private readonly metrics: FeedbackMetrics,
    private readonly onVectorFailure: (error: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  async apply(events: readonly PlannedEvent[]): Promise<EventOutcome[]> {
    if (events.length === 0) return [];
    const request = prepareRequest(events);
    const wanted = vectorItems(events);
    const vectors: Promise<ItemVectors | null> =
      wanted.length === 0
        ? Promise.resolve({ vectors: new Map(), modelTag: 0 })
        : this.vectorSource.getVectors(wanted).then(
            (batch) => ({ vectors: batch.vectors, modelTag: hash32(batch.modelVersion) }),
            (error: unknown) => {
              this.metrics.vectorUpdates.inc({ result: 'failed' }, wanted.length);
              this.onVectorFailure(error);
              return null;
            },
          );
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round++) {
      const prepared = await this.timed('prepare', () => this.store.prepare(request));
      const planned = planBatch(events, request, prepared, await vectors, this.settings, this.clock());
      const result = await this.timed('apply', () => this.store.apply(planned.plan));
      if (result.applied) {
        if (planned.vectorUpdates > 0) this.metrics.vectorUpdates.inc({ result: 'applied' }, planned.vectorUpdates);
        if (planned.vectorMisses > 0 && (await vectors) !== null) this.metrics.vectorUpdates.inc({ result: 'missing' }, planned.vectorMisses);
        return planned.outcomes;
      }
      this.metrics.conflicts.inc({ conflict: result.conflict });
    }
    throw new TransientError(`the state changed under the batch ${MAX_CONFLICT_ROUNDS} times in a row`);
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
