import type { Consumer, ConsumerConfig, ConsumerRunConfig, ConsumerSubscribeTopics, Kafka } from 'kafkajs';
import type { Logger } from '@shopsense/observability';

export interface ConsumerSupervision {
  /**
   * A consumer that neither fetched, heartbeated, joined its group nor finished a batch for this
   * long is replaced. It must exceed the group's rebalance timeout: joining is silent.
   */
  stallTimeoutMs: number;
  /** Wait before the first attempt at a replacement; doubles after each failed one. */
  restartDelayMs: number;
  maxRestartDelayMs: number;
  /** How long a replaced consumer may take to leave before it is abandoned. */
  disconnectTimeoutMs: number;
}

export const DEFAULT_SUPERVISION: ConsumerSupervision = {
  stallTimeoutMs: 120_000,
  restartDelayMs: 1_000,
  maxRestartDelayMs: 30_000,
  disconnectTimeoutMs: 30_000,
};

export type ConsumerRestartReason = 'crashed' | 'stalled';

export interface SupervisedConsumerSpec {
  consumer: ConsumerConfig;
  subscription: ConsumerSubscribeTopics;
  /** The run configuration of each consumer; eachBatch commits through the consumer it is given. */
  run: (consumer: Consumer) => ConsumerRunConfig;
  onRestart?: (reason: ConsumerRestartReason) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Keeps a kafkajs consumer consuming. kafkajs gives up on a consumer for good after some errors
 * (a crash it does not restart, e.g. the group coordinator still missing when its retries run out
 * during a broker outage) and then leaves the process running with nothing consumed; a consumer
 * can also hang after a broker restart without any error. Either way this replaces it: the old
 * one is disconnected, a new one joins the same group, subscribes and runs. Offsets are committed
 * only after a record's verdict, so whatever the old one had in flight is delivered again, and the
 * handlers are idempotent.
 */
export class SupervisedConsumer {
  private consumer?: Consumer;
  private stopped = false;
  private lastActivityMs = Date.now();
  private watchdog?: NodeJS.Timeout;
  private replacing?: Promise<void>;

  constructor(
    private readonly kafka: Kafka,
    private readonly spec: SupervisedConsumerSpec,
    private readonly logger: Logger,
    private readonly supervision: ConsumerSupervision = DEFAULT_SUPERVISION,
  ) {}

  /** Connects, subscribes and runs the first consumer; rejects if that fails (the broker is unreachable at start-up). */
  async start(): Promise<void> {
    await this.launch();
    const every = Math.max(50, Math.min(5_000, Math.floor(this.supervision.stallTimeoutMs / 4)));
    this.watchdog = setInterval(() => this.checkProgress(), every);
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    await this.consumer?.disconnect();
  }

  private async launch(): Promise<void> {
    const consumer = this.kafka.consumer(this.spec.consumer);
    this.consumer = consumer;
    this.lastActivityMs = Date.now();
    const alive = () => {
      if (this.consumer === consumer) this.lastActivityMs = Date.now();
    };
    const { FETCH, HEARTBEAT, GROUP_JOIN, END_BATCH_PROCESS, CRASH } = consumer.events;
    // Each of these reports an answer from the broker: attempts that fail (during an outage) do not count.
    for (const event of [FETCH, HEARTBEAT, GROUP_JOIN, END_BATCH_PROCESS]) consumer.on(event, alive);
    consumer.on(CRASH, ({ payload }) => {
      // With restart=true kafkajs starts the consumer again itself.
      if (!payload.restart && this.consumer === consumer) this.replace('crashed', payload.error);
    });
    try {
      await consumer.connect();
      await consumer.subscribe(this.spec.subscription);
      await consumer.run(this.spec.run(consumer));
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    if (this.stopped) await consumer.disconnect(); // stop() came while this one was starting
  }

  private checkProgress(): void {
    const idleMs = Date.now() - this.lastActivityMs;
    if (idleMs > this.supervision.stallTimeoutMs) this.replace('stalled', new Error(`no fetch, heartbeat or finished batch for ${idleMs} ms`));
  }

  private replace(reason: ConsumerRestartReason, cause: Error): void {
    if (this.stopped || this.replacing) return;
    const group = this.spec.consumer.groupId;
    this.logger.error({ group, reason, err: cause.message }, 'kafka consumer stopped consuming: replacing it');
    this.spec.onRestart?.(reason);
    const old = this.consumer;
    this.replacing = (async () => {
      await withTimeout(old?.disconnect() ?? Promise.resolve(), this.supervision.disconnectTimeoutMs, 'disconnecting the old consumer').catch((error: Error) =>
        this.logger.warn({ group, err: error.message }, 'abandoning the old kafka consumer'),
      );
      for (let delay = this.supervision.restartDelayMs; !this.stopped; delay = Math.min(delay * 2, this.supervision.maxRestartDelayMs)) {
        await sleep(delay);
        if (this.stopped) return;
        try {
          await this.launch();
          this.logger.info({ group }, 'kafka consumer replaced');
          return;
        } catch (error) {
          this.logger.error({ group, err: (error as Error).message, retry_in_ms: delay * 2 }, 'kafka consumer could not be replaced yet');
        }
      }
    })().finally(() => {
      this.replacing = undefined;
    });
  }
}
