import { clone, create, toBinary } from '@bufbuild/protobuf';
import { timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, UserForgottenSchema, type BehaviorEvent } from '@shopsense/contracts';
import { AppError, FieldValidator } from '@shopsense/errors';
import { PROTOBUF_CONTENT_TYPE, CONTENT_TYPE_HEADER, type EventBus, type OutgoingRecord, type TopicDefinition } from '@shopsense/events';
import { currentRequestContext, type Logger } from '@shopsense/observability';
import { dedupRef, type Pseudonymizer, type UserStateStore } from '@shopsense/user-state';
import { importLimits, validateEvent, type ValidationLimits } from '../domain/event-validation';
import { IMPORTED_HEADER } from './event-intake.service';
import type { DeadLetterSink } from './dead-letter.port';
import type { FeedbackMetrics } from './feedback-metrics';

export const MAX_TRACK_EVENTS = 500;
export const TRACK_CONSUMER_GROUP = 'collector-track';
/** Left of a caller's deadline for the answer itself to travel back. */
const ANSWER_RESERVE_MS = 50;
/**
 * The longest Track waits for the state store to say which events are duplicates: past it the
 * events go on unscreened (the intake sorts them out), so a slow or unreachable store costs the
 * counts, never the call (the Redis client retries for seconds before it gives up).
 */
const SCREEN_BUDGET_MS = 200;
/** Event keys remembered per ImportEvents stream to catch repeats within it; past this the intake alone catches them. */
const MAX_REMEMBERED_PER_STREAM = 1_000_000;

/** Every event sent is counted once: accepted (new: it will be applied), rejected, duplicate or forgotten. */
export interface TrackResult {
  accepted: number;
  rejected: { index: number; eventId: string; reason: string }[];
  duplicates: number;
  forgotten: number;
}

export interface ImportResult extends TrackResult {
  /** Every rejection; `rejected` lists the first MAX_LISTED_IMPORT_REJECTIONS. */
  rejectedCount: number;
}

interface ValidEvent {
  record: OutgoingRecord<typeof BehaviorEventSchema>;
  /** Seconds: the event time its dedup record is keyed on. */
  eventTime: number;
}

/** Rejections an ImportEvents answer lists (all are dead-lettered and counted). */
export const MAX_LISTED_IMPORT_REJECTIONS = 10_000;
/** Standalone: an import waits while the intake has more events than this still to apply. */
export const MAX_IMPORT_BACKLOG = 50_000;

function checkChunk(events: readonly BehaviorEvent[]): void {
  new FieldValidator().check(events.length >= 1 && events.length <= MAX_TRACK_EVENTS, 'events', `must hold 1 to ${MAX_TRACK_EVENTS} events (got ${events.length})`).throwIfInvalid();
}

/** A timer later than this fired late because the process was busy, not because time ran out waiting. */
const LATE_TIMER_MS = 100;

/**
 * Resolves `spent` with 'timeout' once `budgetMs` has passed. A timer that fires late (the process
 * was held, e.g. by standalone's snapshot, while the event log's write completed) waits once more,
 * for as long as it was late but at most `forgivableMs`, so that a stall of the whole process is
 * not mistaken for the bus not answering, which would fail a call whose events were in fact taken.
 */
function waitingBudget(budgetMs: number, forgivableMs: number): { spent: Promise<'timeout'>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const spent = new Promise<'timeout'>((resolve) => {
    const due = performance.now() + budgetMs;
    timer = setTimeout(() => {
      const late = performance.now() - due;
      if (late <= LATE_TIMER_MS || forgivableMs <= 0) return resolve('timeout');
      timer = setTimeout(() => resolve('timeout'), Math.min(late, forgivableMs));
    }, budgetMs);
  });
  return { spent, cancel: () => clearTimeout(timer) };
}

/**
 * CollectorService use cases. Track validates with the same rules as the consumer and publishes
 * the valid events to the events topic (Kafka in cluster mode, the in-process bus standalone),
 * so every event takes one path into the state: the consumer. ForgetUser acts on the state at
 * once and announces the tombstone to every other store.
 */
export class CollectorApplicationService {
  constructor(
    private readonly bus: EventBus,
    private readonly topics: { events: TopicDefinition<typeof BehaviorEventSchema>; forget: TopicDefinition<typeof UserForgottenSchema> },
    private readonly store: UserStateStore,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly deadLetters: DeadLetterSink,
    private readonly limits: ValidationLimits,
    /** The store's dedup sharding (FEEDBACK_DEDUP_SHARDS): Track looks up dedup records as the intake writes them. */
    private readonly dedupShards: number,
    private readonly metrics: FeedbackMetrics,
    private readonly logger: Logger,
    /** The longest Track waits for the bus to take its events (less when the caller's deadline is nearer). */
    private readonly publishTimeoutMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  private lastScreenWarningMs = 0;

  async track(events: readonly BehaviorEvent[]): Promise<TrackResult> {
    checkChunk(events);
    const { valid, rejected } = this.validate(events, this.limits, 0, {});
    const screened = await this.screen(valid, new Set(), 'track');
    await this.publish(events, screened.fresh, rejected, 0, 'track');
    return { accepted: screened.fresh.length, rejected, duplicates: screened.duplicates, forgotten: screened.forgotten };
  }

  /**
   * ImportEvents: history, in chunks, validated with the import limits (any age, occurred_at
   * required) and published like Track's events with IMPORTED_HEADER, so the intake applies them
   * with the same limits. In standalone the stream waits while the intake is far behind, so a
   * long history does not pile up in memory.
   */
  async importEvents(chunks: AsyncIterable<readonly BehaviorEvent[]>): Promise<ImportResult> {
    const limits = importLimits(this.limits);
    const result: ImportResult = { accepted: 0, rejected: [], rejectedCount: 0, duplicates: 0, forgotten: 0 };
    // Event ids sent earlier in the stream (a repeat is a duplicate even before the first is applied).
    const sent = new Set<string>();
    let offset = 0;
    for await (const events of chunks) {
      checkChunk(events);
      await this.bus.waitForBacklogBelow?.(this.topics.events.name, MAX_IMPORT_BACKLOG);
      const { valid, rejected } = this.validate(events, limits, offset, { [IMPORTED_HEADER]: '1' });
      const screened = await this.screen(valid, sent, 'import');
      await this.publish(events, screened.fresh, rejected, offset, 'import');
      result.accepted += screened.fresh.length;
      result.duplicates += screened.duplicates;
      result.forgotten += screened.forgotten;
      result.rejectedCount += rejected.length;
      for (const r of rejected) if (result.rejected.length < MAX_LISTED_IMPORT_REJECTIONS) result.rejected.push(r);
      offset += events.length;
    }
    return result;
  }

  /**
   * Sets apart the valid events that would change nothing: those applied already or sent earlier
   * (`sent`: dedup keys seen so far in this call or stream, extended here) and those of forgotten
   * users. They are counted, not published, so the answer says what will change. The store's
   * answer is advisory (the intake checks again); when it cannot answer, every event goes on.
   */
  private async screen(valid: ValidEvent[], sent: Set<string>, source: 'track' | 'import'): Promise<{ fresh: OutgoingRecord<typeof BehaviorEventSchema>[]; duplicates: number; forgotten: number }> {
    const refs = valid.map((v) => dedupRef(v.record.message.eventId, v.eventTime, this.dedupShards));
    const users = [...new Set(valid.map((v) => v.record.message.userId))];
    let peeked: { seen: boolean[]; forgotten: boolean[] };
    let timer: NodeJS.Timeout | undefined;
    try {
      const peek = this.store.peek({ dedup: refs, pseudonyms: users.map((u) => this.pseudonymizer.pseudonymize(u).pseudonym) });
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${SCREEN_BUDGET_MS} ms`)), SCREEN_BUDGET_MS);
      });
      peek.catch(() => undefined); // answered after the budget: nobody waits for it any more
      peeked = await Promise.race([peek, late]);
    } catch (error) {
      if (this.clock() - this.lastScreenWarningMs > 60_000) {
        this.lastScreenWarningMs = this.clock();
        this.logger.warn({ err: (error as Error).message }, 'the state store did not answer: duplicates and forgotten users are left to the intake, and counted as accepted');
      }
      peeked = { seen: refs.map(() => false), forgotten: users.map(() => false) };
    } finally {
      clearTimeout(timer);
    }
    const forgottenUsers = new Set(users.filter((_, i) => peeked.forgotten[i]));
    const fresh: OutgoingRecord<typeof BehaviorEventSchema>[] = [];
    let duplicates = 0;
    let forgotten = 0;
    valid.forEach((v, i) => {
      const key = `${refs[i]!.day}:${refs[i]!.field}`;
      if (forgottenUsers.has(v.record.message.userId)) forgotten++;
      else if (peeked.seen[i] || sent.has(key)) duplicates++;
      else fresh.push(v.record);
      if (sent.size < MAX_REMEMBERED_PER_STREAM) sent.add(key);
    });
    if (duplicates > 0) this.metrics.events.inc({ source, outcome: 'duplicate' }, duplicates);
    if (forgotten > 0) this.metrics.events.inc({ source, outcome: 'forgotten' }, forgotten);
    return { fresh, duplicates, forgotten };
  }

  /** Valid events as records (rejections indexed from `offset`), with the receive time stamped on events without one. */
  private validate(events: readonly BehaviorEvent[], limits: ValidationLimits, offset: number, headers: Record<string, string>) {
    const nowMs = this.clock();
    const receivedAt = timestampFromMs(nowMs);
    const valid: ValidEvent[] = [];
    const rejected: TrackResult['rejected'] = [];
    events.forEach((event, index) => {
      const validation = validateEvent(event, nowMs / 1000, Math.floor(nowMs / 1000), limits);
      if (!validation.ok) {
        rejected.push({ index: offset + index, eventId: event.eventId.slice(0, 128), reason: validation.reason });
        return;
      }
      // Stamp the receive time on events without one, so the record carries a stable event time
      // (the dedup record and the windows key on it) however often it is redelivered.
      let message = event;
      if (!event.occurredAt) {
        message = clone(BehaviorEventSchema, event);
        message.occurredAt = receivedAt;
      }
      valid.push({ record: { key: event.userId, message, headers }, eventTime: validation.eventTime });
    });
    return { valid, rejected };
  }

  /**
   * Publishes the valid events and dead-letters the rejected ones, within the publish budget
   * (less when the caller's deadline is nearer): with the broker down, the Kafka client retries
   * for about 40 s, and a caller learns it at once (UNAVAILABLE) and retries, which idempotence
   * makes safe.
   */
  private async publish(events: readonly BehaviorEvent[], valid: OutgoingRecord<typeof BehaviorEventSchema>[], rejected: TrackResult['rejected'], offset: number, source: 'track' | 'import'): Promise<void> {
    const nowMs = this.clock();
    const retry = source === 'track' ? 'retry the batch (Track is idempotent by event_id)' : 'send the stream again (ImportEvents is idempotent by event_id)';
    const deadline = currentRequestContext()?.deadline?.getTime();
    const budgetMs = Math.max(0, Math.min(this.publishTimeoutMs, deadline === undefined ? Infinity : deadline - nowMs - ANSWER_RESERVE_MS));
    // A stall is forgiven up to the timeout again, and never past the caller's deadline.
    const forgivableMs = Math.min(budgetMs, deadline === undefined ? Infinity : deadline - nowMs - ANSWER_RESERVE_MS - budgetMs);
    const budget = waitingBudget(budgetMs, forgivableMs);
    try {
      const published = Promise.all([
        this.bus.publish(this.topics.events, valid),
        rejected.length > 0
          ? this.deadLetters.send(
              rejected.map((r) => ({
                record: {
                  key: Buffer.from(events[r.index - offset]!.userId),
                  value: Buffer.from(toBinary(BehaviorEventSchema, events[r.index - offset]!)),
                  headers: { [CONTENT_TYPE_HEADER]: PROTOBUF_CONTENT_TYPE },
                  timestampMs: nowMs,
                  topic: this.topics.events.name,
                  partition: -1,
                  offset: '-1',
                },
                reason: r.reason,
                stage: 'validate' as const,
              })),
              TRACK_CONSUMER_GROUP,
            )
          : Promise.resolve(),
      ]);
      if ((await Promise.race([published, budget.spent])) === 'timeout') {
        // The events may still be published later; a retry is deduplicated by event_id.
        published.catch(() => undefined);
        throw new AppError('UNAVAILABLE', `the event bus did not take the events within ${budgetMs} ms; ${retry}`);
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('UNAVAILABLE', `the event bus did not take the events; ${retry}`, { cause: error });
    } finally {
      budget.cancel();
    }
    this.metrics.events.inc({ source, outcome: 'published' }, valid.length);
    if (rejected.length > 0) {
      this.metrics.events.inc({ source, outcome: 'dead_lettered' }, rejected.length);
      this.metrics.deadLetters.inc({ source, stage: 'validate' }, rejected.length);
    }
  }

  async forgetUser(userId: string): Promise<Timestamp> {
    new FieldValidator().required(userId, 'user_id').maxLength(userId, 256, 'user_id').throwIfInvalid();
    const pseudonyms = this.pseudonymizer.allPseudonyms(userId);
    const requestedAt = timestampFromMs(this.clock());
    try {
      await this.store.forget(pseudonyms.map((p) => p.pseudonym));
      // Rejected events kept the raw id (a dead letter is the record as it came).
      await this.deadLetters.forgetUser(userId);
      // So do the tracked events standalone keeps in its event log until the next snapshot.
      await this.bus.forgetRecords?.(userId);
      await this.bus.publish(
        this.topics.forget,
        pseudonyms.map((p) => ({ key: p.pseudonym, message: create(UserForgottenSchema, { pseudonymousUserId: p.pseudonym, keyId: p.keyId, requestedAt }) })),
      );
    } catch (error) {
      throw new AppError('UNAVAILABLE', 'the forget request could not be recorded; retry (ForgetUser is idempotent)', { cause: error });
    }
    this.metrics.usersForgotten.inc();
    // Last, so that an intake batch that pseudonymised the user meanwhile does not put the raw id back.
    this.pseudonymizer.forgetRecent(userId);
    // An audit line with the pseudonym under the current key: never the raw id.
    this.logger.info({ pseudonym: pseudonyms.find((p) => p.keyId === this.pseudonymizer.currentKeyId)?.pseudonym, key_ids: pseudonyms.map((p) => p.keyId) }, 'user forgotten');
    return requestedAt;
  }
}
