import { Registry } from 'prom-client';
import { Topics, type EventBus } from '@shopsense/events';
import { childTraceContext, createLogger, runWithRequestContext } from '@shopsense/observability';
import { Pseudonymizer, type UserStateStore } from '@shopsense/user-state';
import { events } from '../testing/behavior-events.factory';
import { CollectorApplicationService } from './collector.service';
import { FeedbackMetrics } from './feedback-metrics';

const keyring = { current: 'k1', keys: new Map([['k1', Buffer.alloc(32, 9)]]) };
const clicks = (n: number) => Array.from({ length: n }, (_, i) => events.click(`u${i}`, `item-${i}`));

function collectorWith(publish: EventBus['publish'], publishTimeoutMs = 5_000) {
  const bus = { publish } as unknown as EventBus;
  return new CollectorApplicationService(
    bus,
    { events: Topics.behaviorEvents, forget: Topics.usersForgotten },
    {} as UserStateStore,
    new Pseudonymizer(keyring),
    { send: async () => undefined, forgetUser: async () => 0 },
    { maxAgeSeconds: 86_400, maxFutureSkewSeconds: 300 },
    new FeedbackMetrics(new Registry()),
    createLogger('test', 'silent'),
    publishTimeoutMs,
  );
}

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
