import { BehaviorEventSchema, type BehaviorEvent } from '@shopsense/contracts';
import { decodeRecord, CONTENT_TYPE_HEADER, FORGOTTEN_RECORD_HEADER } from '@shopsense/events';
import type { Logger } from '@shopsense/observability';
import { dedupRef, normalizeQuery, queryDigest, type Pseudonymizer } from '@shopsense/user-state';
import { LruCache } from '@shopsense/caching';
import type { EventOutcome, PlannedEvent } from '../domain/batch-planner';
import { importLimits, validateEvent, type ValidationLimits } from '../domain/event-validation';
import type { DeadLetter, DeadLetterSink, IntakeRecord } from './dead-letter.port';
import type { FeedbackMetrics } from './feedback-metrics';
import { TransientError, type StateWriter } from './state-writer';

export type Admission = { ok: true; planned: PlannedEvent } | { ok: false; reason: string };
type Applied = EventOutcome | { poison: string };

/**
 * Header of records that ImportEvents published (history): validated with importLimits (any age)
 * instead of the live limits. Anything that can write to the events topic can set it; the dedup
 * records' lifetime (dedupExpiresAt) keeps old events exactly once either way.
 */
export const IMPORTED_HEADER = 'x-shopsense-imported';

/** Attempts for an event whose write keeps failing for a non-transient reason, before it is dead-lettered. */
export const MAX_POISON_ATTEMPTS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether an error is an outage (retry the same work until it passes; the partition waits) or
 * something about the data (isolate the event and dead-letter it, so it never blocks the
 * partition). Redis replies that mean "not now" count as outages.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  const e = error as { name?: string; message?: string; code?: unknown };
  const message = e?.message ?? '';
  if (e?.name === 'ReplyError') return /^(LOADING|READONLY|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOSCRIPT|OOM|NOREPLICAS)/.test(message);
  if (e?.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return true;
  return /Connection is closed|Stream isn't writeable|ECONNREFUSED|ETIMEDOUT|ECONNRESET/.test(message);
}

/**
 * The intake shared by every way events arrive (conventions §9): decode (protobuf binary or
 * JSON by content-type, unknown fields tolerated), validate, pseudonymise, apply exactly once in
 * effect, and dead-letter whatever cannot be processed with its reason. The Kafka adapter and the
 * standalone bus both hand it raw records in batches.
 */
export class EventIntake {
  private readonly queries = new LruCache<string, { query: string; digest: string | null }>(20_000);
  private readonly importLimits: ValidationLimits;

  constructor(
    private readonly pseudonymizer: Pseudonymizer,
    private readonly writer: StateWriter,
    private readonly deadLetters: DeadLetterSink,
    private readonly limits: ValidationLimits,
    private readonly dedupShards: number,
    private readonly metrics: FeedbackMetrics,
    private readonly logger: Logger,
    /** The `source` label of the intake metrics: which bus the events came from. */
    private readonly source: 'kafka' | 'in-process' = 'kafka',
    private readonly clock: () => number = Date.now,
  ) {
    this.importLimits = importLimits(limits);
  }

  /** Validation and pseudonymisation of one event; the raw user id goes no further than this. */
  admit(event: BehaviorEvent, fallbackTimeMs: number, imported = false): Admission {
    const validation = validateEvent(event, this.clock() / 1000, Math.floor(fallbackTimeMs / 1000), imported ? this.importLimits : this.limits);
    if (!validation.ok) return validation;
    const query = event.query ? this.normalized(event.query) : { query: '', digest: null };
    return {
      ok: true,
      planned: {
        event,
        eventTime: validation.eventTime,
        user: this.pseudonymizer.pseudonymize(event.userId),
        dedup: dedupRef(event.eventId, validation.eventTime, this.dedupShards),
        query: query.query,
        queryDigest: query.digest,
      },
    };
  }

  private normalized(raw: string): { query: string; digest: string | null } {
    let entry = this.queries.get(raw);
    if (!entry) {
      const query = normalizeQuery(raw);
      entry = { query, digest: query ? queryDigest(query) : null };
      this.queries.set(raw, entry);
    }
    return entry;
  }

  /**
   * Processes raw records in order. Resolves true once every record has a final verdict
   * (applied, duplicate, forgotten, or durably dead-lettered), so the caller may commit past
   * them; false when stopped before that (the caller must not commit).
   */
  async processRecords(records: readonly IntakeRecord[], consumerGroup: string, isRunning: () => boolean): Promise<boolean> {
    const rejected: DeadLetter[] = [];
    const admitted: { planned: PlannedEvent; record: IntakeRecord }[] = [];
    let emptied = 0;
    for (const record of records) {
      // A record emptied by ForgetUser (standalone's event log): its user is gone, and so is its content.
      if (record.headers[FORGOTTEN_RECORD_HEADER] === '1') {
        emptied++;
        continue;
      }
      const decoded = record.message ? { ok: true as const, message: record.message } : decodeRecord(BehaviorEventSchema, record.value, record.headers[CONTENT_TYPE_HEADER]);
      if (!decoded.ok) {
        rejected.push({ record, reason: decoded.reason, stage: 'decode' });
        continue;
      }
      const admission = this.admit(decoded.message, record.timestampMs, record.headers[IMPORTED_HEADER] === '1');
      if (admission.ok) admitted.push({ planned: admission.planned, record });
      else rejected.push({ record, reason: admission.reason, stage: 'validate' });
    }
    const deadLettered = rejected.length > 0 ? this.deadLetters.send(rejected, consumerGroup) : Promise.resolve();
    // Await both even when one fails, so no write is left running behind a thrown error.
    const [applied, sent] = await Promise.allSettled([this.applyResilient(admitted.map((a) => a.planned), isRunning), deadLettered]);
    if (sent.status === 'rejected') throw sent.reason;
    if (applied.status === 'rejected') throw applied.reason;
    if (applied.value === undefined) return false;
    for (const r of rejected) this.metrics.deadLetters.inc({ source: this.source, stage: r.stage });
    if (rejected.length > 0) this.metrics.events.inc({ source: this.source, outcome: 'dead_lettered' }, rejected.length);

    const poisoned: DeadLetter[] = [];
    // Counted per outcome, then one inc each: a labelled inc per event costs more than it should.
    const outcomes = new Map<string, number>();
    applied.value.forEach((outcome, i) => {
      if (typeof outcome === 'string') outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      else poisoned.push({ record: admitted[i]!.record, reason: outcome.poison, stage: 'apply' });
    });
    if (emptied > 0) outcomes.set('forgotten', (outcomes.get('forgotten') ?? 0) + emptied);
    for (const [outcome, n] of outcomes) this.metrics.events.inc({ source: this.source, outcome }, n);
    if (poisoned.length > 0) {
      await this.deadLetters.send(poisoned, consumerGroup);
      this.metrics.deadLetters.inc({ source: this.source, stage: 'apply' }, poisoned.length);
      this.metrics.events.inc({ source: this.source, outcome: 'dead_lettered' }, poisoned.length);
    }
    return true;
  }

  /**
   * Applies events, retrying outages with backoff for as long as we run, and isolating a batch
   * that fails for another reason by halving it until the failing event stands alone; that
   * event is retried a few times, then reported as poison. Order is kept: the first half is
   * applied before the second.
   */
  private async applyResilient(events: readonly PlannedEvent[], isRunning: () => boolean): Promise<Applied[] | undefined> {
    if (events.length === 0) return [];
    let outages = 0;
    let failures = 0;
    while (isRunning()) {
      try {
        return await this.writer.apply(events);
      } catch (error) {
        if (isTransient(error)) {
          outages++;
          this.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message }, outages, events: events.length }, 'state store unavailable, retrying');
          await sleep(Math.min(5_000, 100 * 2 ** Math.min(outages, 6)));
          continue;
        }
        if (events.length > 1) {
          const middle = Math.ceil(events.length / 2);
          const first = await this.applyResilient(events.slice(0, middle), isRunning);
          if (first === undefined) return undefined;
          const second = await this.applyResilient(events.slice(middle), isRunning);
          return second === undefined ? undefined : [...first, ...second];
        }
        failures++;
        const reason = `could not be applied: ${(error as Error).message ?? String(error)}`.slice(0, 500);
        this.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message }, failures }, 'event failed to apply');
        if (failures >= MAX_POISON_ATTEMPTS) return [{ poison: reason }];
        await sleep(100 * 2 ** failures);
      }
    }
    return undefined;
  }
}
