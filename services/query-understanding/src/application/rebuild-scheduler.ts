export interface RebuildSchedulerOptions {
  /** Run once no change has arrived for this long (a burst of changes gives one rebuild). */
  quietMs: number;
  /** ...but never later than this after the first change, so a steady trickle still lands. */
  maxDelayMs: number;
}

/**
 * Debounces catalog changes into rebuilds: a replay of the whole compacted topic at start-up,
 * or a bulk import, becomes a handful of rebuilds instead of one per product. The task never
 * runs twice at once; changes during a run schedule one more run after it.
 */
export class RebuildScheduler {
  private timer: NodeJS.Timeout | undefined;
  private firstPendingAt: number | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private closed = false;

  constructor(
    private readonly options: RebuildSchedulerOptions,
    private readonly task: () => void | Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  get pending(): boolean {
    return this.firstPendingAt !== undefined || this.rerun;
  }

  schedule(): void {
    if (this.closed) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    const now = this.now();
    this.firstPendingAt ??= now;
    const wait = Math.max(0, Math.min(this.options.quietMs, this.firstPendingAt + this.options.maxDelayMs - now));
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), wait);
    this.timer.unref?.();
  }

  /** Runs the task now if anything is pending (and waits for a run in progress). */
  async flush(): Promise<void> {
    if (this.running) await this.running;
    if (this.firstPendingAt !== undefined) await this.run();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.firstPendingAt = undefined;
    this.running = (async () => {
      try {
        await this.task();
      } finally {
        this.running = undefined;
      }
    })();
    await this.running;
    if (this.rerun) {
      this.rerun = false;
      this.schedule();
    }
  }
}
