import type { Logger } from '@shopsense/observability';

/**
 * Background work repeated on an interval (sweeps, retention, snapshots): one run at a time, the
 * next `intervalMs` after the previous one finished, a failure logged and retried next interval,
 * and `stop()` waits for a run in flight so shutdown never cuts one in half.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.run()
        .catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, `${this.name} failed; retrying next interval`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
