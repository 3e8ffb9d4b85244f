import type { Logger } from '@shopsense/observability';
import { PeriodicTask } from '@shopsense/service-runtime';
import type { UserStateStore } from '@shopsense/user-state';
import type { FeedbackMetrics } from './feedback-metrics';

/**
 * Periodic retention work the store cannot do by TTL: profiles share hashes (no per-key TTL), so
 * those without an event for the retention period are dropped here, a few shards per run.
 */
export class Housekeeping {
  private readonly task: PeriodicTask;

  constructor(
    private readonly store: UserStateStore & { purgeExpired?: () => void },
    private readonly options: { intervalMs: number; retentionSeconds: number; shardsPerRun: number },
    private readonly metrics: FeedbackMetrics,
    logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.task = new PeriodicTask('housekeeping', options.intervalMs, () => this.runOnce(), logger);
  }

  async runOnce(): Promise<number> {
    this.store.purgeExpired?.();
    const dropped = await this.store.evictStaleProfiles(Math.floor(this.clock() / 1000) - this.options.retentionSeconds, this.options.shardsPerRun);
    if (dropped > 0) this.metrics.profilesEvicted.inc(dropped);
    return dropped;
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
