import { Registry } from 'prom-client';
import { DEFAULT_STORE_SETTINGS, dedupRef, MemoryUserStateStore, type ApplyPlan, type ApplyResult } from '@shopsense/user-state';
import type { PlannedEvent } from '../domain/batch-planner';
import { events } from '../testing/behavior-events.factory';
import { DEFAULT_PLANNER_SETTINGS, FixtureVectorSource } from '../testing/in-memory-oracle';
import { FeedbackMetrics } from './feedback-metrics';
import { MAX_CONFLICT_ROUNDS, StateWriter, TransientError } from './state-writer';

const now = Math.floor(Date.now() / 1000);
const planned = (event: ReturnType<typeof events.click>): PlannedEvent => ({ event, eventTime: now, user: { keyId: 'k1', pseudonym: `k1:${event.userId}` }, dedup: dedupRef(event.eventId, now, 16), query: '', queryDigest: null });

describe('StateWriter', () => {
  const metrics = () => new FeedbackMetrics(new Registry());

  it('applies events without vector updates when the item-vector source fails, and says so', async () => {
    const store = new MemoryUserStateStore({ ...DEFAULT_STORE_SETTINGS, dedupShards: 16 });
    const failures: unknown[] = [];
    const m = metrics();
    const writer = new StateWriter(store, { getVectors: () => Promise.reject(new Error('UNAVAILABLE')) }, DEFAULT_PLANNER_SETTINGS, m, (e) => failures.push(e));
    expect(await writer.apply([planned(events.click('u1', 'c1-a'))])).toEqual(['applied']);
    expect(failures).toHaveLength(1);
    const state = await store.readForRanking({ pseudonym: 'k1:u1', itemIds: ['c1-a'] });
    expect(state.items['c1-a']!.last24h.clicks).toBe(1);
    expect(state.recent.clicks).toEqual(['c1-a']);
    expect(state.profile!.longTerm).toBeNull();
    expect((await m.vectorUpdates.get()).values).toEqual([expect.objectContaining({ labels: { result: 'failed' }, value: 1 })]);
  });

  it('re-reads and re-plans when another writer got there first, and gives up as transient after a while', async () => {
    const store = new MemoryUserStateStore({ ...DEFAULT_STORE_SETTINGS, dedupShards: 16 });
    const writer = new StateWriter(store, new FixtureVectorSource(8), DEFAULT_PLANNER_SETTINGS, metrics(), () => undefined);
    const click = planned(events.click('u1', 'c1-a'));
    // A concurrent writer applies the same event between our read and our write.
    const apply = store.apply.bind(store);
    let raced = false;
    store.apply = async (plan: ApplyPlan): Promise<ApplyResult> => {
      if (!raced) {
        raced = true;
        await apply({ ...plan });
      }
      return apply(plan);
    };
    expect(await writer.apply([click])).toEqual(['duplicate']);
    expect((await store.readForRanking({ pseudonym: 'k1:u1', itemIds: ['c1-a'] })).items['c1-a']!.last24h.clicks).toBe(1);

    store.apply = async () => ({ applied: false, conflict: 'profile-changed' });
    await expect(writer.apply([planned(events.click('u1', 'c1-b'))])).rejects.toThrow(TransientError);
    expect(MAX_CONFLICT_ROUNDS).toBeGreaterThan(1);
  });
});
