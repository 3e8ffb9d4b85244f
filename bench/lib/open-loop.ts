import { percentile } from './stats';

export interface OpenLoopResult {
  /** The rate asked for, and the rate at which calls actually went out (requests/s). */
  ratePerS: number;
  sentPerS: number;
  requests: number;
  errors: number;
  /** Calls that succeeded, by an outcome label the caller gives (e.g. `full`, `degraded`). */
  outcomes: Record<string, number>;
  /** Error messages seen, with counts (the first few kinds). */
  errorKinds: Record<string, number>;
  /** Latency from each call's scheduled send time to its answer (ms), successes and errors alike. */
  latenciesMs: number[];
  p50: number;
  p99: number;
  p999: number;
}

/**
 * Open-loop load: call i is due at start + i / rate whether or not earlier calls have answered,
 * and its latency is measured from that scheduled time (not from when it actually went out), so
 * a stalled client or server cannot hide queueing delay (no coordinated omission). Runs for
 * `durationS`, then waits for every outstanding call.
 */
export async function runOpenLoop(ratePerS: number, durationS: number, call: (index: number) => Promise<string>): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round(ratePerS * durationS));
  const intervalMs = 1000 / ratePerS;
  const pending: Promise<void>[] = [];
  const latenciesMs: number[] = [];
  const outcomes: Record<string, number> = {};
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  const start = performance.now();
  let sent = 0;
  let lastSentAt = start;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Every call that is due goes out now (catching up if the event loop was late).
      while (sent < total && start + sent * intervalMs <= now) {
        const scheduledAt = start + sent * intervalMs;
        const index = sent;
        sent += 1;
        lastSentAt = performance.now();
        pending.push(
          call(index).then(
            (outcome) => {
              latenciesMs.push(performance.now() - scheduledAt);
              outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            },
            (error: unknown) => {
              latenciesMs.push(performance.now() - scheduledAt);
              errors += 1;
              const kind = String((error as { code?: string }).code ?? (error as Error).name ?? 'error');
              errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
            },
          ),
        );
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(intervalMs, start + sent * intervalMs - performance.now())));
    };
    tick();
  });
  const sendSeconds = Math.max((lastSentAt - start) / 1000, (total - 1) / ratePerS, 1e-9);
  await Promise.all(pending);
  return {
    ratePerS,
    sentPerS: total > 1 ? (total - 1) / sendSeconds : ratePerS,
    requests: total,
    errors,
    outcomes,
    errorKinds,
    latenciesMs,
    p50: percentile(latenciesMs, 50),
    p99: percentile(latenciesMs, 99),
    p999: percentile(latenciesMs, 99.9),
  };
}
