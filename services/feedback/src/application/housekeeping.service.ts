import type { Logger } from '@shopsense/observability';
import type { UserStateStore } from '@shopsense/user-state';
import type { FeedbackMetrics } from './feedback-metrics';

/**
 * Periodic retention work the store cannot do by TTL: profiles share hashes (no per-key TTL), so
 * those without an event for the retention period are dropped here, a few shards per run.
 */
export class Housekeeping {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly store: UserStateStore & { purgeExpired?: () => void },
    private readonly options: { intervalMs: number; retentionSeconds: number; shardsPerRun: number },
    private readonly metrics: FeedbackMetrics,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async runOnce(): Promise<number> {
    this.store.purgeExpired?.();
    const dropped = await this.store.evictStaleProfiles(Math.floor(this.clock() / 1000) - this.options.retentionSeconds, this.options.shardsPerRun);
    if (dropped > 0) this.metrics.profilesEvicted.inc(dropped);
    return dropped;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.runOnce()
        .catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, 'housekeeping failed; retrying next interval'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
