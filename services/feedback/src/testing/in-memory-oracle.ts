import { Registry } from 'prom-client';
import type { BehaviorEvent } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import { DEFAULT_STORE_SETTINGS, MemoryUserStateStore, Pseudonymizer, RecentKind, type HmacKeyring, type StoreSettings } from '@shopsense/user-state';
import { EventIntake } from '../application/event-intake.service';
import { FeedbackMetrics } from '../application/feedback-metrics';
import type { ItemVectorSource } from '../application/item-vector-source.port';
import { StateWriter } from '../application/state-writer';
import type { PlannerSettings } from '../domain/batch-planner';
import { itemVector } from './item-vectors.fixture';

/** The planner settings the service derives from its defaults (see feedback.config.ts). */
export const DEFAULT_PLANNER_SETTINGS: PlannerSettings = {
  sessionGapSeconds: 1800,
  shortTerm: { halfLifeSeconds: 900, maxWeight: 8 },
  longTerm: { halfLifeSeconds: 14 * 86_400, maxWeight: 200 },
  recentBounds: { [RecentKind.View]: 5, [RecentKind.Click]: 5, [RecentKind.Cart]: 3, [RecentKind.Purchase]: 3 },
  seenMax: 300,
  joinWindowMs: 1_800_000,
};

export class FixtureVectorSource implements ItemVectorSource {
  constructor(
    private readonly dimension: number,
    private readonly modelVersion = 'fake-model-v1',
  ) {}

  async getVectors(itemIds: readonly string[]) {
    const vectors = new Map<string, Float32Array>();
    for (const id of itemIds) {
      const v = itemVector(id, this.dimension);
      if (v) vectors.set(id, v);
    }
    return { vectors, modelVersion: this.modelVersion };
  }
}

/**
 * The same events through the same pipeline, in one process, in order, with no crash: the
 * state a crashed-and-restarted consumer must end up with. Per-user order is what Kafka keeps
 * (key = user id), so processing in publish order is equivalent for everything order-sensitive.
 */
export async function oracleState(list: readonly BehaviorEvent[], keyring: HmacKeyring, dimension: number, settings: Partial<StoreSettings> = {}) {
  const store = new MemoryUserStateStore({ ...DEFAULT_STORE_SETTINGS, ...settings });
  const metrics = new FeedbackMetrics(new Registry());
  const logger = createLogger('oracle', 'silent');
  const writer = new StateWriter(store, new FixtureVectorSource(dimension), DEFAULT_PLANNER_SETTINGS, metrics, () => undefined);
  const intake = new EventIntake(new Pseudonymizer(keyring), writer, { send: async () => undefined, forgetUser: async () => 0 }, { maxAgeSeconds: 7 * 86_400, maxFutureSkewSeconds: 300 }, store.keys.dedupShards, metrics, logger);
  for (let i = 0; i < list.length; i += 500) {
    const planned = list.slice(i, i + 500).map((e) => {
      const admission = intake.admit(e, Date.now());
      if (!admission.ok) throw new Error(`oracle: invalid workload event: ${admission.reason}`);
      return admission.planned;
    });
    await writer.apply(planned);
  }
  return store;
}
