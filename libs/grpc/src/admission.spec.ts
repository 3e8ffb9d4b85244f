import { AdmissionController, AdmissionRefused, DEFAULT_ADMISSION_CONFIG, type AdmissionConfig, type AdmissionPermit } from './admission';

const fast = { latencyMs: 10, overloaded: false };
const slow = { latencyMs: 500, overloaded: false };

function controller(overrides: Partial<AdmissionConfig> = {}, clock = { now: 1_000_000 }) {
  const config = { ...DEFAULT_ADMISSION_CONFIG, initialLimit: 2, minLimit: 1, maxQueue: 4, maxQueueWaitMs: 1_000, ...overrides };
  return { admission: new AdmissionController(config, () => clock.now), clock };
}

/** Whether a promise has settled after the microtasks queued so far have run. */
async function settled<T>(promise: Promise<T>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('AdmissionController', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('admits up to the limit at once, then queues, and hands a freed slot to the oldest waiter', async () => {
    const { admission, clock } = controller();
    const a = await admission.acquire('interactive');
    await admission.acquire('interactive');
    const third = admission.acquire('interactive');
    const fourth = admission.acquire('interactive');
    expect(await settled(third)).toBe(false);
    expect(admission.snapshot()).toEqual({ limit: 2, inFlight: 2, queued: 2 });

    clock.now += 30;
    a.release(fast);
    const admitted = await third;
    expect(admitted).toMatchObject({ waited: true, queuedMs: 30 });
    expect(a).toMatchObject({ waited: false, queuedMs: 0 });
    expect(await settled(fourth)).toBe(false);
    expect(admission.snapshot()).toMatchObject({ inFlight: 2, queued: 1 });
  });

  it('refuses at once, with a retry hint, when the queue is full', async () => {
    const { admission } = controller({ maxQueue: 1 });
    await admission.acquire('interactive');
    await admission.acquire('interactive');
    void admission.acquire('interactive').catch(() => undefined);
    const refused = admission.acquire('interactive');
    await expect(refused).rejects.toBeInstanceOf(AdmissionRefused);
    await expect(refused).rejects.toThrow(/server at capacity: 2 calls in flight \(limit 2\) and 1 waiting; retry in \d+ ms/);
    await expect(refused).rejects.toMatchObject({ retryAfterMs: expect.any(Number) });
  });

  it('refuses at once a call whose deadline would pass while it waits', async () => {
    const { admission, clock } = controller({ targetLatencyMs: 1_000 });
    // Teach it a service time of 200 ms.
    const first = await admission.acquire('interactive');
    first.release({ latencyMs: 200, overloaded: false });
    await admission.acquire('interactive');
    await admission.acquire('interactive');
    const hopeless = admission.acquire('interactive', clock.now + 150);
    await expect(hopeless).rejects.toThrow(/its deadline would pass while it waits/);
    // With time to wait for one slot and be served, the call waits instead.
    const patient = admission.acquire('interactive', clock.now + 500);
    expect(await settled(patient)).toBe(false);
  });

  it('estimates the wait from how fast slots have been freeing, not only from the service time', async () => {
    const { admission, clock } = controller({ initialLimit: 1, maxLimit: 1, targetLatencyMs: 1_000, queueDelayIntervalMs: 10_000 });
    // Each call holds its slot 10 ms, but slots free only every 200 ms (a saturated machine).
    let held = await admission.acquire('interactive');
    const waiters = [admission.acquire('interactive'), admission.acquire('interactive'), admission.acquire('interactive')];
    for (const next of waiters) {
      clock.now += 200;
      held.release({ latencyMs: 10, overloaded: false });
      held = await next;
    }
    void admission.acquire('interactive').catch(() => undefined);
    // One waiting ahead: by the service time it would get a slot in about 20 ms; by the drain rate, 400 ms.
    await expect(admission.acquire('interactive', clock.now + 300)).rejects.toThrow(/its deadline would pass while it waits/);
    const patient = admission.acquire('interactive', clock.now + 600);
    expect(await settled(patient)).toBe(false);
  });

  it('tells a burst from overload: once the queue has not emptied for 100 ms, a call waits at most overloadQueueWaitMs whatever its deadline', async () => {
    const { admission, clock } = controller({ initialLimit: 1, maxLimit: 1, targetLatencyMs: 1_000, maxQueue: 10 });
    let held = await admission.acquire('interactive');
    // A burst: calls with far deadlines queue and wait their turn, one slot every 60 ms.
    const waiters = Array.from({ length: 4 }, () => admission.acquire('interactive', clock.now + 10_000));
    const early = admission.acquire('interactive', clock.now + 10_000);
    clock.now += 60;
    // 60 ms in, the queue is a burst still: a new call may wait for its deadline.
    const inBurst = admission.acquire('interactive', clock.now + 10_000);
    expect(await settled(inBurst)).toBe(false);
    for (const next of waiters) {
      held.release({ latencyMs: 60, overloaded: false });
      held = await next;
      clock.now += 60;
    }
    // The queue has held calls for 300 ms: it stands. A call that would wait one drain interval
    // (60 ms > 25 ms) is refused on arrival, however far its deadline.
    await expect(admission.acquire('interactive', clock.now + 10_000)).rejects.toThrow(/the queue has not emptied for over 100 ms/);

    // The calls that queued before, with far deadlines, now wait no longer than a new one would.
    expect(await settled(early)).toBe(false);
    jest.advanceTimersByTime(25);
    await expect(early).rejects.toThrow(/no slot freed within \d+ ms/);
    await expect(inBurst).rejects.toThrow(/no slot freed within \d+ ms/);

    // The queue emptied: a burst again, waiting by deadline.
    held.release({ latencyMs: 60, overloaded: false });
    held = await admission.acquire('interactive');
    const patient = admission.acquire('interactive', clock.now + 10_000);
    expect(await settled(patient)).toBe(false);
  });

  it('refuses a waiting call when no slot frees within the longest wait', async () => {
    const { admission } = controller({ maxQueueWaitMs: 300 });
    await admission.acquire('interactive');
    await admission.acquire('interactive');
    const waiting = admission.acquire('interactive');
    jest.advanceTimersByTime(299);
    expect(await settled(waiting)).toBe(false);
    jest.advanceTimersByTime(1);
    await expect(waiting).rejects.toThrow(/no slot freed within 300 ms/);
    expect(admission.snapshot().queued).toBe(0);
  });

  it('never sheds or counts exempt calls', async () => {
    const { admission } = controller({ maxQueue: 0 });
    await admission.acquire('interactive');
    await admission.acquire('interactive');
    await expect(admission.acquire('interactive')).rejects.toBeInstanceOf(AdmissionRefused);
    const exempt = await admission.acquire('exempt');
    exempt.release(slow);
    expect(admission.snapshot()).toEqual({ limit: 2, inFlight: 2, queued: 0 });
  });

  it('serves waiting interactive calls before bulk ones, and gives bulk work at most half the slots', async () => {
    const { admission } = controller({ initialLimit: 4 });
    const bulk1 = await admission.acquire('bulk');
    await admission.acquire('bulk');
    const bulk3 = admission.acquire('bulk');
    expect(await settled(bulk3)).toBe(false); // two of four slots: bulk's share is full
    const interactive: AdmissionPermit[] = [await admission.acquire('interactive'), await admission.acquire('interactive')];
    const waitingInteractive = admission.acquire('interactive');
    bulk1.release(slow);
    expect(await settled(waitingInteractive)).toBe(true);
    expect(await settled(bulk3)).toBe(false);
    interactive[0]!.release(fast);
    expect(await settled(bulk3)).toBe(true);
  });

  it('shrinks the limit on slow or overloaded calls, never below the floor, and grows it back on fast ones while in use', async () => {
    const { admission } = controller({ initialLimit: 10, minLimit: 4, maxLimit: 12, backoffRatio: 0.5 });
    (await admission.acquire('interactive')).release(slow);
    expect(admission.snapshot().limit).toBe(5);
    (await admission.acquire('interactive')).release({ latencyMs: 10, overloaded: true });
    expect(admission.snapshot().limit).toBe(4);

    // An idle server (one call at a time against a limit of 4 … 8) learns nothing from fast calls.
    (await admission.acquire('interactive')).release(fast);
    expect(admission.snapshot().limit).toBe(4);

    for (let round = 0; round < 40; round++) {
      const permits = await Promise.all(Array.from({ length: admission.snapshot().limit }, () => admission.acquire('interactive')));
      for (const permit of permits) permit.release(fast);
    }
    expect(admission.snapshot().limit).toBe(12);
  });

  it('learns nothing from a permit released without an outcome (a call that never ran)', async () => {
    const { admission } = controller({ initialLimit: 4, minLimit: 1, backoffRatio: 0.5, targetLatencyMs: 100 });
    const permits = await Promise.all([1, 2, 3].map(() => admission.acquire('interactive')));
    permits[0]!.release(undefined);
    expect(admission.snapshot()).toMatchObject({ limit: 4, inFlight: 2 });
    permits[1]!.release(slow);
    expect(admission.snapshot()).toMatchObject({ limit: 2, inFlight: 1 });
  });

  it('ignores a second release of the same permit', async () => {
    const { admission } = controller();
    const permit = await admission.acquire('interactive');
    permit.release(fast);
    permit.release(fast);
    expect(admission.snapshot().inFlight).toBe(0);
  });

  it('rejects a configuration that cannot work, naming each problem', () => {
    expect(() => new AdmissionController({ ...DEFAULT_ADMISSION_CONFIG, minLimit: 0, backoffRatio: 1 })).toThrow(/minLimit must be at least 1; .*backoffRatio must lie strictly between 0 and 1/);
  });
});
