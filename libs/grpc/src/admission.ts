/**
 * Admission control for a gRPC server: how many calls run at once, which wait, which are refused.
 *
 * A server that takes every call under overload serves none of them in time: each new call
 * slows every other, the backlog outlives the load, and goodput falls to zero (issue 19 measured
 * 0 of 4,000 Searches within a 1 s deadline at 200/s). Here a concurrency limit keeps the calls
 * in flight near what the machine finishes within the target latency, a short queue absorbs
 * bursts, and everything else is refused at once with a retry hint, while there is still time
 * for the caller to go elsewhere.
 *
 * The limit adapts by AIMD on latency, as the AIMD limiter of Netflix's concurrency-limits: an
 * interactive call that took longer than the target (or failed DEADLINE_EXCEEDED /
 * RESOURCE_EXHAUSTED downstream) cuts the limit by `backoffRatio`; one within the target, while
 * the limit was in use, raises it by 1/limit (about one per limit's worth of calls). Only
 * interactive calls move the limit: bulk calls are long by nature.
 *
 * The queue tells a burst from overload as the controlled-delay queue Facebook puts in front of
 * its servers does (after CoDel, Nichols and Jacobson): a queue that empties within
 * `queueDelayIntervalMs` is a burst, and a call may wait as long as its deadline allows; a queue
 * that has not emptied for longer is standing (overload), and a call waits at most
 * `overloadQueueWaitMs`, so what cannot be served is refused on arrival while the caller can
 * still retry, rather than at its deadline. Only an empty queue ends the standing state: judging
 * it by the waits would clear it as soon as the short waits worked, and let the queue pile up again.
 *
 * Classes: `exempt` calls (ForgetUser, Embed; health never reaches here) are never shed nor counted; `interactive` calls
 * wait before `bulk` ones; bulk calls take at most half the limit, so a catalog import cannot
 * take every slot from the shoppers.
 */
export type CallClass = 'exempt' | 'interactive' | 'bulk';

export interface AdmissionConfig {
  /** Concurrency limit at start; it moves between `minLimit` and `maxLimit`. */
  initialLimit: number;
  minLimit: number;
  maxLimit: number;
  /** An interactive call slower than this counts as a sign of overload. */
  targetLatencyMs: number;
  /** Multiplier applied to the limit on each sign of overload (0 < ratio < 1). */
  backoffRatio: number;
  /** Calls allowed to wait for a slot; beyond it, new calls are refused at once. */
  maxQueue: number;
  /**
   * The longest a call without a deadline waits for a slot; a call with one waits at most until
   * its deadline less its expected service time. Either way, a call whose expected wait exceeds
   * what it has is refused on arrival, not after waiting: a refusal is only useful while the
   * caller can still retry elsewhere.
   */
  maxQueueWaitMs: number;
  /** A queue that has not emptied for longer than this is standing. */
  queueDelayIntervalMs: number;
  /** The longest a call waits while the queue is standing. */
  overloadQueueWaitMs: number;
}

export const DEFAULT_ADMISSION_CONFIG: AdmissionConfig = {
  initialLimit: 8,
  // A floor above one: a server with a few calls in flight overlaps their I/O waits, and a
  // machine that is slow for everyone (a busy laptop) must not fall to one call at a time.
  minLimit: 4,
  maxLimit: 256,
  targetLatencyMs: 100,
  backoffRatio: 0.9,
  maxQueue: 256,
  maxQueueWaitMs: 1_000,
  queueDelayIntervalMs: 100,
  overloadQueueWaitMs: 25,
};

/** What a call's end tells the limiter. */
export interface CallOutcome {
  latencyMs: number;
  /** The call failed because something was overloaded (DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED). */
  overloaded: boolean;
}

/**
 * A slot held by an admitted call; `release` must be called once, when the call ends, with what
 * the limiter should learn from it (nothing for a call that never ran).
 */
export interface AdmissionPermit {
  /** Whether the call waited in the queue, and for how long (ms). */
  readonly waited: boolean;
  readonly queuedMs: number;
  release(outcome: CallOutcome | undefined): void;
}

/** Why a call was refused, and when a retry is likely to be admitted. */
export class AdmissionRefused extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'AdmissionRefused';
  }
}

export interface AdmissionSnapshot {
  limit: number;
  inFlight: number;
  queued: number;
}

interface Waiter {
  callClass: 'interactive' | 'bulk';
  enqueuedAt: number;
  resolve: (permit: AdmissionPermit) => void;
  reject: (refusal: AdmissionRefused) => void;
  /** When the call gives up waiting (`now` clock) and the timer that refuses it then. */
  expiresAt: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** Smoothing of the service-time estimate: about the last ten calls. */
const LATENCY_EWMA_WEIGHT = 0.1;
/** The shortest retry hint: sooner than this, a retry meets the same queue. */
const MIN_RETRY_AFTER_MS = 10;

const NO_PERMIT: AdmissionPermit = { waited: false, queuedMs: 0, release: () => undefined };

export class AdmissionController {
  private limit: number;
  private inFlight = 0;
  private bulkInFlight = 0;
  /** Smoothed service time of interactive calls (ms); 0 until the first one ends. */
  private serviceMs = 0;
  /**
   * Smoothed time between slots freeing while calls wait (ms): the queue's measured drain rate.
   * Under CPU saturation it is longer than serviceMs / limit suggests (transport, refusals and
   * other threads share the cores), and a wait estimated from the latter admits calls to the
   * queue that then cannot be served before their deadline.
   */
  private drainIntervalMs = 0;
  private lastDrainAt: number | undefined;
  /** Since when the queue has held a call (undefined: empty), and whether it was last seen standing. */
  private queueBusySince: number | undefined;
  private standingQueue = false;
  private readonly interactiveQueue: Waiter[] = [];
  private readonly bulkQueue: Waiter[] = [];

  constructor(
    private readonly config: AdmissionConfig = DEFAULT_ADMISSION_CONFIG,
    private readonly now: () => number = Date.now,
  ) {
    const problems = admissionConfigProblems(config);
    if (problems.length > 0) throw new Error(`invalid admission config: ${problems.join('; ')}`);
    this.limit = config.initialLimit;
  }

  snapshot(): AdmissionSnapshot {
    return { limit: Math.floor(this.limit), inFlight: this.inFlight, queued: this.queued };
  }

  private get queued(): number {
    return this.interactiveQueue.length + this.bulkQueue.length;
  }

  /**
   * Admits a call now, queues it, or refuses it (AdmissionRefused). `deadline` is the call's
   * absolute deadline (ms since the epoch, as `now`): a call that cannot be served before it is
   * refused at once rather than left to wait for a slot it could not use.
   */
  acquire(callClass: CallClass, deadline?: number): Promise<AdmissionPermit> {
    if (callClass === 'exempt') return Promise.resolve(NO_PERMIT);
    if (this.hasSlotFor(callClass)) return Promise.resolve(this.grant(callClass, undefined));
    this.checkStanding();

    const queued = this.queued;
    if (queued >= this.config.maxQueue) {
      return Promise.reject(this.refusal(`server at capacity: ${this.inFlight} calls in flight (limit ${Math.floor(this.limit)}) and ${queued} waiting`));
    }
    const ahead = callClass === 'interactive' ? this.interactiveQueue.length : queued;
    const expectedWaitMs = this.expectedWaitMs(ahead);
    // A caller's deadline says how long it can wait (a call without one gets maxQueueWaitMs),
    // unless the queue is standing: then waiting only delays the refusal.
    const allowedWaitMs = deadline === undefined ? this.config.maxQueueWaitMs : deadline - this.now() - this.serviceMs;
    const maxWaitMs = this.standingQueue ? Math.min(allowedWaitMs, this.config.overloadQueueWaitMs) : allowedWaitMs;
    if (expectedWaitMs > maxWaitMs) {
      const why = maxWaitMs < allowedWaitMs ? `the queue has not emptied for over ${this.config.queueDelayIntervalMs} ms` : deadline !== undefined ? 'its deadline would pass while it waits' : `the wait for a slot would pass ${this.config.maxQueueWaitMs} ms`;
      return Promise.reject(this.refusal(`server at capacity: ${this.inFlight} calls in flight (limit ${Math.floor(this.limit)}), ${queued} waiting; ${why}`));
    }

    return new Promise<AdmissionPermit>((resolve, reject) => {
      const waiter: Waiter = { callClass, enqueuedAt: this.now(), resolve, reject, expiresAt: this.now() + Math.max(0, maxWaitMs) };
      this.queueBusySince ??= waiter.enqueuedAt;
      (callClass === 'interactive' ? this.interactiveQueue : this.bulkQueue).push(waiter);
      this.armTimer(waiter);
    });
  }

  /** Refuses the waiter at its expiry unless a slot reaches it first. */
  private armTimer(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    waiter.timer = setTimeout(
      () => {
        const queue = waiter.callClass === 'interactive' ? this.interactiveQueue : this.bulkQueue;
        const index = queue.indexOf(waiter);
        if (index < 0) return;
        queue.splice(index, 1);
        this.noteIfEmpty();
        // The time it was allowed, which it has waited (measured on `now`, which may be coarser).
        const waitedMs = Math.max(this.now() - waiter.enqueuedAt, waiter.expiresAt - waiter.enqueuedAt);
        waiter.reject(this.refusal(`server at capacity: no slot freed within ${Math.round(waitedMs)} ms`));
      },
      Math.max(0, waiter.expiresAt - this.now()),
    );
  }

  private hasSlotFor(callClass: 'interactive' | 'bulk'): boolean {
    if (this.inFlight >= Math.floor(this.limit)) return false;
    if (callClass === 'interactive') return true;
    // Bulk work yields to waiting shoppers and never holds more than half the slots.
    return this.interactiveQueue.length === 0 && this.bulkInFlight < Math.max(1, Math.floor(this.limit / 2));
  }

  /** `queuedMs` is undefined for a call admitted on arrival. */
  private grant(callClass: 'interactive' | 'bulk', queuedMs: number | undefined): AdmissionPermit {
    this.inFlight += 1;
    if (callClass === 'bulk') this.bulkInFlight += 1;
    const limitInUse = this.inFlight;
    let released = false;
    return {
      waited: queuedMs !== undefined,
      queuedMs: queuedMs ?? 0,
      release: (outcome) => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        if (callClass === 'bulk') this.bulkInFlight -= 1;
        else if (outcome) this.learn(outcome, limitInUse);
        this.measureDrain();
        this.admitWaiting();
      },
    };
  }

  private learn(outcome: CallOutcome, inFlightAtStart: number): void {
    this.serviceMs = this.serviceMs === 0 ? outcome.latencyMs : this.serviceMs + LATENCY_EWMA_WEIGHT * (outcome.latencyMs - this.serviceMs);
    if (outcome.overloaded || outcome.latencyMs > this.config.targetLatencyMs) {
      this.limit = Math.max(this.config.minLimit, this.limit * this.config.backoffRatio);
    } else if (inFlightAtStart * 2 >= this.limit) {
      // Grow only when the limit was in use: an idle server says nothing about what it can take.
      this.limit = Math.min(this.config.maxLimit, this.limit + 1 / this.limit);
    }
  }

  /**
   * Notices a queue that has stood too long; at that moment the calls already waiting (given their
   * deadlines to wait) are cut to what a new call gets, so a refusal still comes in time.
   */
  private checkStanding(): void {
    const now = this.now();
    const standing = this.queueBusySince !== undefined && now - this.queueBusySince > this.config.queueDelayIntervalMs;
    if (standing && !this.standingQueue) this.shortenWaits(now + this.config.overloadQueueWaitMs);
    this.standingQueue = standing;
  }

  private noteIfEmpty(): void {
    if (this.queued > 0) return;
    this.queueBusySince = undefined;
    this.standingQueue = false;
  }

  private shortenWaits(latest: number): void {
    for (const waiter of [...this.interactiveQueue, ...this.bulkQueue]) {
      if (waiter.expiresAt <= latest) continue;
      waiter.expiresAt = latest;
      this.armTimer(waiter);
    }
  }

  private measureDrain(): void {
    const now = this.now();
    const waiting = this.queued > 0;
    if (waiting && this.lastDrainAt !== undefined) {
      const interval = now - this.lastDrainAt;
      this.drainIntervalMs = this.drainIntervalMs === 0 ? interval : this.drainIntervalMs + LATENCY_EWMA_WEIGHT * (interval - this.drainIntervalMs);
    }
    // Only intervals inside a busy period say how fast the queue drains; an idle gap says nothing.
    this.lastDrainAt = waiting ? now : undefined;
  }

  private admitWaiting(): void {
    for (;;) {
      const next = this.interactiveQueue[0] && this.hasSlotFor('interactive') ? this.interactiveQueue.shift() : this.bulkQueue[0] && this.hasSlotFor('bulk') ? this.bulkQueue.shift() : undefined;
      if (!next) return;
      clearTimeout(next.timer);
      this.noteIfEmpty();
      next.resolve(this.grant(next.callClass, this.now() - next.enqueuedAt));
    }
  }

  /**
   * Time for `ahead` queued calls and this one to get a slot: at the measured drain rate when the
   * queue has been busy, never faster than the limit and the service time allow.
   */
  private expectedWaitMs(ahead: number): number {
    const byServiceTime = Math.ceil((ahead + 1) / Math.max(1, Math.floor(this.limit))) * this.serviceMs;
    return Math.max(byServiceTime, (ahead + 1) * this.drainIntervalMs);
  }

  private refusal(message: string): AdmissionRefused {
    const retryAfterMs = Math.max(MIN_RETRY_AFTER_MS, Math.round(this.expectedWaitMs(this.queued)));
    return new AdmissionRefused(`${message}; retry in ${retryAfterMs} ms`, retryAfterMs);
  }
}

export function admissionConfigProblems(config: AdmissionConfig): string[] {
  const problems: string[] = [];
  if (!(config.minLimit >= 1)) problems.push('minLimit must be at least 1');
  if (!(config.maxLimit >= config.minLimit)) problems.push('maxLimit must be at least minLimit');
  if (!(config.initialLimit >= config.minLimit && config.initialLimit <= config.maxLimit)) problems.push('initialLimit must lie between minLimit and maxLimit');
  if (!(config.targetLatencyMs > 0)) problems.push('targetLatencyMs must be positive');
  if (!(config.backoffRatio > 0 && config.backoffRatio < 1)) problems.push('backoffRatio must lie strictly between 0 and 1');
  if (!(config.maxQueue >= 0)) problems.push('maxQueue must not be negative');
  if (!(config.maxQueueWaitMs >= 0)) problems.push('maxQueueWaitMs must not be negative');
  if (!(config.queueDelayIntervalMs > 0 && config.overloadQueueWaitMs >= 0)) problems.push('queueDelayIntervalMs must be positive and overloadQueueWaitMs not negative');
  return problems;
}
