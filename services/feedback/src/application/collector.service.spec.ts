import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Registry } from 'prom-client';
import { Topics, type EventBus } from '@shopsense/events';
import { childTraceContext, createLogger, runWithRequestContext } from '@shopsense/observability';
import { dedupRef, DEFAULT_STORE_SETTINGS, MemoryUserStateStore, Pseudonymizer, type UserStateStore } from '@shopsense/user-state';
import { events } from '../testing/behavior-events.factory';
import { CollectorApplicationService, MAX_IMPORT_BACKLOG } from './collector.service';
import { IMPORTED_HEADER } from './event-intake.service';
import { FeedbackMetrics } from './feedback-metrics';

const keyring = { current: 'k1', keys: new Map([['k1', Buffer.alloc(32, 9)]]) };
const clicks = (n: number) => Array.from({ length: n }, (_, i) => events.click(`u${i}`, `item-${i}`));

function collectorWith(publish: EventBus['publish'], publishTimeoutMs = 5_000, waitForBacklogBelow?: EventBus['waitForBacklogBelow'], store: UserStateStore = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS), metrics = new FeedbackMetrics(new Registry())) {
  const bus = { publish, waitForBacklogBelow } as unknown as EventBus;
  return new CollectorApplicationService(
    bus,
    { events: Topics.behaviorEvents, forget: Topics.usersForgotten },
    store,
    new Pseudonymizer(keyring),
    { send: async () => undefined, forgetUser: async () => 0 },
    { maxAgeSeconds: 86_400, maxFutureSkewSeconds: 300 },
    DEFAULT_STORE_SETTINGS.dedupShards,
    metrics,
    createLogger('test', 'silent'),
    publishTimeoutMs,
  );
}

describe('CollectorApplicationService.track while the whole process is held up', () => {
  it('accepts events the bus took even when a stall (a snapshot) held the process past the publish timeout', async () => {
    // The bus's write completes in the background; meanwhile the process is held for longer than
    // the timeout, so its timer fires late, before the write's completion is seen (a timer the
    // bus sets after it, as the event loop reaches I/O completions after the timers).
    const collector = collectorWith(() => {
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // the process is busy (as while a snapshot is encoded)
      }
      return new Promise<void>((resolve) => setTimeout(resolve, 0));
    }, 100);
    await expect(collector.track(clicks(2))).resolves.toMatchObject({ accepted: 2 });
  });
});

describe('CollectorApplicationService.track with a bus that does not answer (the broker is down)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers UNAVAILABLE after the publish timeout instead of waiting for the client to give up', async () => {
    const collector = collectorWith(() => new Promise<void>(() => undefined), 5_000);
    const tracked = collector.track(clicks(3));
    const verdict = tracked.then(
      () => 'accepted',
      (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
    );
    await jest.advanceTimersByTimeAsync(4_999);
    let settled = false;
    void verdict.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await verdict).toBe('UNAVAILABLE: the event bus did not take the events within 5000 ms; retry the batch (Track is idempotent by event_id)');
  });

  it("answers before the caller's deadline when that is nearer than the timeout", async () => {
    const collector = collectorWith(() => new Promise<void>(() => undefined), 5_000);
    const deadline = new Date(Date.now() + 1_000);
    const tracked = runWithRequestContext({ requestId: 'r', trace: childTraceContext(), deadline }, () => collector.track(clicks(1)));
    const verdict = tracked.catch((error: Error) => error.message);
    await jest.advanceTimersByTimeAsync(950);
    expect(await verdict).toMatch(/within 950 ms/);
  });

  it('accepts when the bus takes the events in time', async () => {
    const collector = collectorWith(async () => undefined);
    await expect(collector.track(clicks(2))).resolves.toMatchObject({ accepted: 2, rejected: [] });
  });
});

describe('CollectorApplicationService: what Track counts', () => {
  const publishedIds = () => {
    const ids: string[] = [];
    const publish: EventBus['publish'] = async (_topic, records) => void ids.push(...records.map((r) => (r.message as unknown as { eventId: string }).eventId));
    return { ids, publish };
  };

  it('counts events applied before, repeated in the batch, or of a forgotten user apart, and publishes only the new ones', async () => {
    const store = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    const [applied, fresh, gone] = [events.click('u1', 'a'), events.click('u2', 'b'), events.click('alice', 'c')];
    const eventTime = (e: typeof applied) => Number(e.occurredAt!.seconds) + e.occurredAt!.nanos / 1e9;
    await store.apply({ dedup: [dedupRef(applied.eventId, eventTime(applied), DEFAULT_STORE_SETTINGS.dedupShards)], users: [], itemCounters: [], queryItems: [], cooccurrence: [], joinImpressions: [], joinLabels: [] });
    await store.forget([new Pseudonymizer(keyring).pseudonymize('alice').pseudonym]);
    const { ids, publish } = publishedIds();
    const metrics = new FeedbackMetrics(new Registry());
    const collector = collectorWith(publish, 5_000, undefined, store, metrics);

    const result = await collector.track([applied, fresh, gone, fresh, events.click('', 'x')]);
    expect(result).toMatchObject({ accepted: 1, duplicates: 2, forgotten: 1 });
    expect(result.rejected).toHaveLength(1);
    expect(ids).toEqual([fresh.eventId]);
    // GetIntakeStatus (and `shopsense status`) count what Track set apart: it never reaches the intake.
    expect(await metrics.intakeTotals()).toMatchObject({ applied: 0, duplicates: 2, forgotten: 1 });
  });

  it('leaves the screening to the intake when the store cannot answer: every valid event accepted and published', async () => {
    const store = { peek: () => Promise.reject(new Error('connection refused')) } as unknown as UserStateStore;
    const { ids, publish } = publishedIds();
    const collector = collectorWith(publish, 5_000, undefined, store);
    const batch = clicks(3);
    await expect(collector.track(batch)).resolves.toMatchObject({ accepted: 3, duplicates: 0, forgotten: 0 });
    expect(ids).toEqual(batch.map((e) => e.eventId));
  });

  it('does not wait for a store that does not answer: the events go on unscreened within the screening budget', async () => {
    const store = { peek: () => new Promise(() => undefined) } as unknown as UserStateStore;
    const { ids, publish } = publishedIds();
    const collector = collectorWith(publish, 5_000, undefined, store);
    // Without the budget this call never returns (the store never answers).
    await expect(collector.track(clicks(2))).resolves.toMatchObject({ accepted: 2, duplicates: 0 });
    expect(ids).toHaveLength(2);
  });

  it('counts a repeat later in an import stream as a duplicate', async () => {
    const { ids, publish } = publishedIds();
    const collector = collectorWith(publish);
    const history = clicks(2).map((e) => events.click(e.userId, e.itemIds[0]!, { eventId: e.eventId, occurredAt: timestampFromMs(Date.now() - 86_400_000) }));
    async function* twice() {
      yield history;
      yield history;
    }
    await expect(collector.importEvents(twice())).resolves.toMatchObject({ accepted: 2, duplicates: 2 });
    expect(ids).toEqual(history.map((e) => e.eventId));
  });
});

describe('CollectorApplicationService.importEvents', () => {
  const year = 365 * 86_400_000;
  async function* chunks(...lists: ReturnType<typeof clicks>[]) {
    for (const list of lists) yield list;
  }

  it('publishes history of any age marked as imported, and indexes rejections from the start of the stream', async () => {
    const published: { headers?: Record<string, string>; eventId: string }[] = [];
    const collector = collectorWith(async (_topic, records) => void published.push(...records.map((r) => ({ headers: r.headers, eventId: (r.message as unknown as { eventId: string }).eventId }))));
    const old = clicks(3).map((e) => events.click(e.userId, e.itemIds[0]!, { eventId: e.eventId, occurredAt: timestampFromMs(Date.now() - 2 * year) }));
    const second = [events.click('u9', 'x', { occurredAt: timestampFromMs(Date.now() - year) }), events.click('u9', 'y', { occurredAt: undefined }), events.click('', 'z', { occurredAt: timestampFromMs(Date.now() - year) })];
    const result = await collector.importEvents(chunks(old, second));
    expect(result).toEqual({
      accepted: 4,
      duplicates: 0,
      forgotten: 0,
      rejectedCount: 2,
      rejected: [
        { index: 4, eventId: second[1]!.eventId, reason: 'occurred_at is required for imported events' },
        { index: 5, eventId: second[2]!.eventId, reason: 'user_id is required' },
      ],
    });
    expect(published.map((p) => p.eventId)).toEqual([...old.map((e) => e.eventId), second[0]!.eventId]);
    for (const p of published) expect(p.headers).toEqual({ [IMPORTED_HEADER]: '1' });
  });

  it('refuses an empty or oversized chunk, naming the limit', async () => {
    const collector = collectorWith(async () => undefined);
    await expect(collector.importEvents(chunks([]))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('must hold 1 to 500 events (got 0)') });
    await expect(collector.importEvents(chunks(clicks(501)))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('waits while the bus says its consumers are far behind (standalone pacing)', async () => {
    let room = false;
    const waits: number[] = [];
    const collector = collectorWith(async () => undefined, 5_000, async (_topic: string, records: number) => {
      waits.push(records);
      while (!room) await new Promise((r) => setTimeout(r, 5));
    });
    let done = false;
    const imported = collector.importEvents(chunks(clicks(2))).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    room = true;
    await imported;
    expect(waits).toEqual([MAX_IMPORT_BACKLOG]);
  });
});
