import { Registry } from 'prom-client';
import { AppError } from '@shopsense/errors';
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

  it('does not apply a batch while the item-vector source fails: it waits, then applies with the vectors', async () => {
    const store = new MemoryUserStateStore({ ...DEFAULT_STORE_SETTINGS, dedupShards: 16 });
    const failures: unknown[] = [];
    const m = metrics();
    const fixture = new FixtureVectorSource(8);
    let down = true;
    const source = { getVectors: (ids: readonly string[]) => (down ? Promise.reject(new AppError('UNAVAILABLE', 'retrieval is down')) : fixture.getVectors(ids)) };
    const writer = new StateWriter(store, source, DEFAULT_PLANNER_SETTINGS, m, (e) => failures.push(e));
    const click = planned(events.click('u1', 'c1-a'));
    await expect(writer.apply([click])).rejects.toThrow(TransientError);
    expect(failures).toHaveLength(1);
    const before = await store.readForRanking({ pseudonym: 'k1:u1', itemIds: ['c1-a'] });
    expect(before.items['c1-a']?.last24h.clicks ?? 0).toBe(0);
    expect((await m.vectorUpdates.get()).values).toEqual([expect.objectContaining({ labels: { result: 'delayed' }, value: 1 })]);

    down = false;
    expect(await writer.apply([click])).toEqual(['applied']);
    const state = await store.readForRanking({ pseudonym: 'k1:u1', itemIds: ['c1-a'] });
    expect(state.items['c1-a']!.last24h.clicks).toBe(1);
    expect(state.profile!.longTerm).not.toBeNull();
  });

  it('doubles the lookup deadline after each timeout, up to the last, and starts again after an answer', async () => {
    const store = new MemoryUserStateStore({ ...DEFAULT_STORE_SETTINGS, dedupShards: 16 });
    const asked: (number | undefined)[] = [];
    let slow = 4;
    const fixture = new FixtureVectorSource(8);
    const source = {
      getVectors: (ids: readonly string[], lookup?: { timeoutMs?: number }) => {
        asked.push(lookup?.timeoutMs);
        return slow-- > 0 ? Promise.reject(new AppError('DEADLINE_EXCEEDED', 'too slow')) : fixture.getVectors(ids);
      },
    };
    const writer = new StateWriter(store, source, DEFAULT_PLANNER_SETTINGS, metrics(), () => undefined, Date.now, { initialMs: 100, maxMs: 500 });
    for (let attempt = 0; attempt < 4; attempt++) await expect(writer.apply([planned(events.click('u1', 'c1-a'))])).rejects.toThrow(TransientError);
    expect(await writer.apply([planned(events.click('u1', 'c1-a'))])).toEqual(['applied']);
    await writer.apply([planned(events.click('u2', 'c1-b'))]);
    expect(asked).toEqual([100, 200, 400, 500, 500, 100]);
  });

  it('passes on an error about the request itself, so the intake can isolate the event', async () => {
    const store = new MemoryUserStateStore({ ...DEFAULT_STORE_SETTINGS, dedupShards: 16 });
    const source = { getVectors: () => Promise.reject(new AppError('INVALID_ARGUMENT', 'item id too long')) };
    const writer = new StateWriter(store, source, DEFAULT_PLANNER_SETTINGS, metrics(), () => undefined);
    const error = await writer.apply([planned(events.click('u1', 'c1-a'))]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).not.toBeInstanceOf(TransientError);
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
