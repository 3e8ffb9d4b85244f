import type { Logger } from '@shopsense/observability';

/**
 * Logs a recurring failure (the embedding service is down: every request fails the same way)
 * once per interval with the number of occurrences, instead of once per request.
 */
export class ThrottledWarning {
  private lastLoggedAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(details: Record<string, unknown>): void {
    const now = this.now();
    if (now - this.lastLoggedAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.logger.warn({ ...details, suppressed_since_last: this.suppressed }, this.message);
    this.lastLoggedAt = now;
    this.suppressed = 0;
  }
}
