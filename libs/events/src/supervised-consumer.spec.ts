import { EventEmitter } from 'node:events';
import type { Consumer, Kafka } from 'kafkajs';
import { createLogger } from '@shopsense/observability';
import { expectEventually } from '@shopsense/testing';
import { SupervisedConsumer, type ConsumerRestartReason } from './supervised-consumer';

const EVENTS = {
  FETCH: 'consumer.fetch',
  HEARTBEAT: 'consumer.heartbeat',
  GROUP_JOIN: 'consumer.group_join',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CRASH: 'consumer.crash',
};

/** Stands in for a kafkajs consumer: records what it was asked to do and lets the test emit its instrumentation events. */
class FakeConsumer extends EventEmitter {
  readonly events = EVENTS;
  connected = false;
  subscribedTo: string[] = [];
  running = false;
  disconnectHangs = false;
  failConnect = false;

  async connect(): Promise<void> {
    if (this.failConnect) throw new Error('connect ECONNREFUSED');
    this.connected = true;
  }
  async subscribe({ topics }: { topics: string[] }): Promise<void> {
    this.subscribedTo = topics;
  }
  async run(): Promise<void> {
    this.running = true;
  }
  disconnect(): Promise<void> {
    if (this.disconnectHangs) return new Promise(() => undefined);
    this.connected = false;
    this.running = false;
    return Promise.resolve();
  }
  crash(restart: boolean): void {
    this.emit(EVENTS.CRASH, { payload: { error: new Error('The group coordinator is not available'), groupId: 'g', restart } });
  }
}

function setup(options: { stallTimeoutMs?: number; nextFails?: number } = {}) {
  const consumers: FakeConsumer[] = [];
  let failures = options.nextFails ?? 0;
  const kafka = {
    consumer: () => {
      const consumer = new FakeConsumer();
      // The first consumer always starts; `nextFails` replacements cannot connect.
      if (consumers.length > 0 && failures > 0) {
        failures--;
        consumer.failConnect = true;
      }
      consumers.push(consumer);
      return consumer as unknown as Consumer;
    },
  } as unknown as Kafka;
  const restarts: ConsumerRestartReason[] = [];
  const runsFor: unknown[] = [];
  const supervised = new SupervisedConsumer(
    kafka,
    {
      consumer: { groupId: 'g' },
      subscription: { topics: ['t'], fromBeginning: true },
      run: (consumer) => {
        runsFor.push(consumer);
        return {};
      },
      onRestart: (reason) => restarts.push(reason),
    },
    createLogger('supervised-consumer-test', 'silent'),
    { stallTimeoutMs: options.stallTimeoutMs ?? 60_000, restartDelayMs: 10, maxRestartDelayMs: 40, disconnectTimeoutMs: 50 },
  );
  return { supervised, consumers, restarts, runsFor };
}

describe('SupervisedConsumer', () => {
  it('starts one consumer: connected, subscribed, running', async () => {
    const { supervised, consumers } = setup();
    await supervised.start();
    expect(consumers).toHaveLength(1);
    expect(consumers[0]).toMatchObject({ connected: true, running: true, subscribedTo: ['t'] });
    await supervised.stop();
    expect(consumers[0]!.connected).toBe(false);
  });

  it('replaces a consumer that kafkajs crashed without restarting, and hands the new one to run()', async () => {
    const { supervised, consumers, restarts, runsFor } = setup();
    await supervised.start();
    consumers[0]!.crash(false);
    await expectEventually(() => expect(consumers[1]?.running).toBe(true), { timeoutMs: 2_000 });
    expect(consumers[0]!.connected).toBe(false);
    expect(consumers[1]!.subscribedTo).toEqual(['t']);
    expect(runsFor).toEqual([consumers[0], consumers[1]]);
    expect(restarts).toEqual(['crashed']);
    await supervised.stop();
  });

  it('leaves a crash that kafkajs restarts itself alone', async () => {
    const { supervised, consumers, restarts } = setup();
    await supervised.start();
    consumers[0]!.crash(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(consumers).toHaveLength(1);
    expect(restarts).toEqual([]);
    await supervised.stop();
  });

  it('replaces a consumer that makes no progress for the stall timeout, but not one that keeps fetching', async () => {
    // Wide margins (fetches every 50 ms against a 1 s timeout): a loaded CI machine delays timers.
    const { supervised, consumers, restarts } = setup({ stallTimeoutMs: 1_000 });
    await supervised.start();
    const fetching = setInterval(() => consumers[0]!.emit(EVENTS.FETCH, {}), 50);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(consumers).toHaveLength(1);
    clearInterval(fetching);
    await expectEventually(() => expect(consumers[1]?.running).toBe(true), { timeoutMs: 5_000 });
    expect(restarts).toEqual(['stalled']);
    await supervised.stop();
  });

  it('keeps trying while the broker is unreachable, and abandons an old consumer that will not disconnect', async () => {
    const { supervised, consumers, restarts } = setup({ nextFails: 3 });
    await supervised.start();
    consumers[0]!.disconnectHangs = true;
    consumers[0]!.crash(false);
    // The first, three that could not connect, the one that did.
    await expectEventually(() => expect(consumers.map((c) => c.running)).toEqual([true, false, false, false, true]), { timeoutMs: 3_000 });
    expect(consumers.slice(1, 4).every((c) => !c.connected)).toBe(true);
    expect(restarts).toEqual(['crashed']);
    await supervised.stop();
  });

  it('does not replace anything once stopped', async () => {
    const { supervised, consumers, restarts } = setup({ stallTimeoutMs: 200 });
    await supervised.start();
    await supervised.stop();
    consumers[0]!.crash(false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(consumers).toHaveLength(1);
    expect(restarts).toEqual([]);
  });
});
