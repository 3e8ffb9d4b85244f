import { appendFile, chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DescMessage } from '@bufbuild/protobuf';
import type { Logger } from '@shopsense/observability';
import type { WireFormat } from './codec';
import { DeadLetterHeaders, FORGOTTEN_RECORD_HEADER, toRawRecords, type EventBus, type OutgoingRecord, type RawRecord, type RecordMeta, type SubscribeOptions, type Subscription } from './event-bus';
import { DEFAULT_RETRY_POLICY, processRecord } from './record-processor';
import { DEAD_LETTER_TOPIC, type TopicDefinition } from './topic-registry';
import { reasonForLog } from './log-redaction';
import { injectTraceHeaders } from './trace-headers';
import { TopicLog, type LoggedRecord } from './topic-log';

/**
 * A record as held in memory: as logged, and, when it was published in this process and no reader
 * has handled it yet, the message it was published with, so that a batch consumer here need not
 * decode what was just encoded (records read back from the log after a restart have none, and are
 * decoded).
 */
interface StoredRecord extends LoggedRecord {
  message?: unknown;
}

/** A record as a batch subscription sees it: raw (with its message where there is one), with its place in the topic. */
export interface BatchRecord extends StoredRecord {
  offset: number;
}

export interface BatchSubscribeOptions {
  groupId: string;
  /** Records per handler call at most. */
  maxRecords: number;
  /**
   * Gets the next records in order. Resolves true once each has its final verdict (the group's
   * position moves past them), false when stopping (they are delivered again). A throw is
   * retried with backoff: nothing is skipped.
   */
  handler: (records: readonly BatchRecord[]) => Promise<boolean>;
}

export interface DurableTopicsOptions {
  /** Folder of the logs, one subfolder per topic. */
  dir: string;
  topics: readonly string[];
  /** Segment size (see TopicLog). */
  segmentBytes?: number;
}

export interface InProcessEventBusOptions {
  /** JSONL file that receives dead-lettered records (standalone mode's dead-letter topic). */
  deadLetterFile: string;
  logger: Logger;
  /** Records kept per topic; older ones are dropped once every subscriber has passed them. */
  retainRecords?: number;
  /**
   * Size of the dead-letter file at most: past it, the oldest half of its records is dropped (and
   * the drop logged with the count), so a stream of bad events cannot fill the disk. 64 MiB.
   */
  deadLetterMaxBytes?: number;
  /**
   * Topics whose records are kept in an fsync'd log on disk (`open()` loads them): a publish to
   * one resolves only once its records are synced, so what was acknowledged survives a crash.
   */
  durable?: DurableTopicsOptions;
}

const DEFAULT_DEAD_LETTER_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The standalone adapter: one partition per topic held in memory, a cursor per consumer group,
 * the same decode/retry/dead-letter rules as Kafka, and dead letters appended to a file so
 * nothing is dropped silently.
 */
export class InProcessEventBus implements EventBus {
  private readonly topics = new Map<string, { base: number; records: StoredRecord[]; wake: Set<() => void> }>();
  private readonly running = new Set<{ stop(): Promise<void> }>();
  /** Where each subscription stands, so records all of them passed can be dropped. */
  private readonly positions = new Map<object, () => { topic: string; offset: number }>();
  /** Dead-letter file writes, one after another (appends, trims and scrubs rewrite the same file). */
  private deadLetterWrites: Promise<unknown> = Promise.resolve();
  private readonly logs = new Map<string, TopicLog>();
  /** Each group's position per topic: where its next subscription starts. */
  private readonly committed = new Map<string, number>();

  constructor(private readonly options: InProcessEventBusOptions) {}

  /**
   * Opens the durable topics' logs and loads the records they still hold (those no consumer has
   * made durable elsewhere yet, see `dropLogBefore`). Call once, before publishing or subscribing.
   */
  async open(): Promise<{ topic: string; records: number; firstOffset: number; tornBytes: number }[]> {
    const durable = this.options.durable;
    const opened = [];
    for (const name of durable?.topics ?? []) {
      if (this.logs.has(name)) continue;
      const { log, base, records, tornBytes } = await TopicLog.open(join(durable!.dir, name), { segmentBytes: durable!.segmentBytes });
      const topic = this.topic(name);
      if (topic.records.length > 0) throw new Error(`topic ${name} received records before its log was opened`);
      topic.base = base;
      topic.records = records;
      this.logs.set(name, log);
      opened.push({ topic: name, records: records.length, firstOffset: base, tornBytes });
    }
    return opened;
  }

  private static position(topic: string, groupId: string): string {
    return `${topic}\u0000${groupId}`;
  }

  /** Sets where the group's next subscription to the topic starts (a position saved with the state the group built). */
  seek(topic: string, groupId: string, offset: number): void {
    this.committed.set(InProcessEventBus.position(topic, groupId), offset);
  }

  /** The offset of the first record the group has not finished with; undefined before it subscribed or was sought. */
  committedOffset(topic: string, groupId: string): number | undefined {
    return this.committed.get(InProcessEventBus.position(topic, groupId));
  }

  /** Offset the topic's next record gets. */
  endOffset(topicName: string): number {
    const topic = this.topic(topicName);
    return topic.base + topic.records.length;
  }

  /** Records of the topic the group has not finished with yet (its backlog). */
  lag(topicName: string, groupId: string): number {
    return this.endOffset(topicName) - this.startOffset(topicName, groupId, true);
  }

  async waitForBacklogBelow(topicName: string, records: number): Promise<void> {
    const behind = () => {
      const end = this.endOffset(topicName);
      return [...this.positions.values()].map((p) => p()).some((p) => p.topic === topicName && end - p.offset >= records);
    };
    while (behind()) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async forgetRecords(key: string): Promise<number> {
    const emptied = (record: StoredRecord): StoredRecord => ({ key: null, value: null, headers: { [FORGOTTEN_RECORD_HEADER]: '1' }, timestamp: record.timestamp });
    let onDisk = 0;
    for (const [name, log] of this.logs) {
      const topic = this.topic(name);
      topic.records.forEach((record, i) => {
        if (record.key === key) topic.records[i] = emptied(record);
      });
      onDisk += await log.scrub((record) => record.key === key, emptied);
    }
    return onDisk;
  }

  /** Deletes the log segments of a durable topic that hold only records below `offset`. */
  async dropLogBefore(topic: string, offset: number): Promise<number> {
    return (await this.logs.get(topic)?.dropBefore(offset)) ?? 0;
  }

  /** Where a group starts: its committed position if it has one, else the earliest record (or the end). */
  private startOffset(topicName: string, groupId: string, fromBeginning: boolean | undefined): number {
    const topic = this.topic(topicName);
    const committed = this.committedOffset(topicName, groupId);
    if (committed !== undefined) return Math.min(Math.max(committed, topic.base), topic.base + topic.records.length);
    return fromBeginning === false ? topic.base + topic.records.length : topic.base;
  }

  private topic(name: string) {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = { base: 0, records: [], wake: new Set() };
      this.topics.set(name, topic);
    }
    return topic;
  }

  async publish<S extends DescMessage>(topic: TopicDefinition<S>, records: OutgoingRecord<S>[], format: WireFormat = 'binary'): Promise<void> {
    await this.append(topic.name, toRawRecords(topic, records, format), records.map((r) => r.message));
  }

  async publishRaw(topicName: string, records: RawRecord[]): Promise<void> {
    await this.append(topicName, records);
  }

  /** Appends records (and, from `publish`, the messages they encode, in the same order). */
  private async append(topicName: string, records: RawRecord[], messages?: readonly unknown[]): Promise<void> {
    if (topicName === DEAD_LETTER_TOPIC) {
      for (const r of records) await this.appendDeadLetter(r.key, r.value, r.headers ?? {});
      return;
    }
    const topic = this.topic(topicName);
    // One trace context for the call's records: they were published together.
    const trace = injectTraceHeaders({});
    const timestamp = new Date();
    const stored: StoredRecord[] = records.map((r, i) => ({ key: r.key, value: r.value, headers: { ...trace, ...r.headers }, timestamp, ...(messages ? { message: messages[i] } : {}) }));
    const log = this.logs.get(topicName);
    if (!log && this.options.durable?.topics.includes(topicName)) throw new Error(`topic ${topicName} is durable: open() the bus before publishing to it`);
    // Visible to consumers only once synced, so no effect is ever built on a record a crash could lose.
    if (log) await log.append(stored);
    for (const r of stored) topic.records.push(r);
    for (const wake of topic.wake) wake();
  }

  async endOffsets(topicName: string): Promise<Map<number, bigint>> {
    const topic = this.topic(topicName);
    return new Map([[0, BigInt(topic.base + topic.records.length)]]);
  }

  async subscribe<S extends DescMessage>(definition: TopicDefinition<S>, options: SubscribeOptions<S>): Promise<Subscription> {
    const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts };
    return this.consume(definition.name, options.groupId, options.fromBeginning, async (offset, read, active) => {
      const record = read(1)[0]!;
      const meta: RecordMeta = { topic: definition.name, partition: 0, offset: String(offset), key: record.key ?? undefined, headers: record.headers, timestamp: record.timestamp };
      const verdict = await processRecord(definition.schema, record.value, meta, options.handler, policy, this.options.logger, active);
      if (verdict === undefined) return undefined;
      if (verdict.kind === 'dead-letter') {
        await this.appendDeadLetter(record.key, record.value, {
          ...record.headers,
          [DeadLetterHeaders.reason]: verdict.reason,
          [DeadLetterHeaders.sourceTopic]: definition.name,
          [DeadLetterHeaders.sourceOffset]: String(offset),
          [DeadLetterHeaders.consumerGroup]: options.groupId,
          [DeadLetterHeaders.failedAt]: new Date().toISOString(),
        });
      }
      return offset + 1;
    });
  }

  /** A consumer that takes records in batches (the feedback intake), with the same at-least-once position rules. */
  async subscribeBatches(topicName: string, options: BatchSubscribeOptions): Promise<Subscription> {
    let failures = 0;
    return this.consume(topicName, options.groupId, true, async (offset, read) => {
      const batch = read(options.maxRecords).map((record, i) => ({ ...record, offset: offset + i }));
      try {
        const finished = await options.handler(batch);
        failures = 0;
        return finished ? offset + batch.length : undefined;
      } catch (error) {
        failures++;
        this.options.logger.error({ err: (error as Error).message, topic: topicName, offset, failures }, 'batch handler failed; retrying the same records');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))));
        return offset;
      }
    });
  }

  /**
   * A group's consumer loop: waits for records past the group's position, hands them to `step`
   * (`read(n)` gives up to n of them), and moves the position, committed, to the offset `step`
   * returns (the same offset: those records again), until it returns undefined or is stopped.
   */
  private consume(
    topicName: string,
    groupId: string,
    fromBeginning: boolean | undefined,
    step: (offset: number, read: (count: number) => StoredRecord[], active: () => boolean) => Promise<number | undefined>,
  ): Subscription {
    const topic = this.topic(topicName);
    const position = InProcessEventBus.position(topicName, groupId);
    let offset = this.startOffset(topicName, groupId, fromBeginning);
    this.committed.set(position, offset);
    let active = true;
    let wakeUp: (() => void) | undefined;
    const wake = () => wakeUp?.();
    topic.wake.add(wake);

    const loop = (async () => {
      while (active) {
        const index = offset - topic.base;
        if (index >= topic.records.length) {
          await new Promise<void>((resolve) => (wakeUp = resolve));
          continue;
        }
        const next = await step(offset, (count) => topic.records.slice(index, index + count), () => active);
        if (next === undefined) break;
        if (next === offset) continue;
        // Handled by one reader: the records kept for others hold their bytes only, not a second copy as objects.
        for (const record of topic.records.slice(Math.max(0, offset - topic.base), next - topic.base)) record.message = undefined;
        offset = next;
        this.committed.set(position, offset);
        this.trim(topicName);
      }
    })();

    const subscription = {
      stop: async () => {
        active = false;
        topic.wake.delete(wake);
        wake();
        await loop;
        this.running.delete(subscription);
        this.positions.delete(subscription);
      },
    };
    this.running.add(subscription);
    this.positions.set(subscription, () => ({ topic: topicName, offset }));
    return subscription;
  }

  /** Drops records every subscriber of the topic has passed, beyond the retention count. */
  private trim(topicName: string): void {
    const topic = this.topic(topicName);
    const retain = this.options.retainRecords ?? 100_000;
    if (topic.records.length <= retain) return;
    const slowest = Math.min(...[...this.positions.values()].map((p) => p()).filter((p) => p.topic === topicName).map((p) => p.offset));
    const drop = Math.min(slowest - topic.base, topic.records.length - retain);
    if (drop > 0) {
      topic.records.splice(0, drop);
      topic.base += drop;
    }
  }

  private async appendDeadLetter(key: string | Buffer | null, value: Buffer | null, headers: Record<string, string>): Promise<void> {
    this.options.logger.warn({ reason: reasonForLog(headers[DeadLetterHeaders.reason]), topic: headers[DeadLetterHeaders.sourceTopic] }, 'record dead-lettered');
    const line = JSON.stringify({ key: key === null ? null : key.toString(), value_base64: value?.toString('base64') ?? null, headers }) + '\n';
    await this.writeDeadLetters(async (file) => {
      // Personal data (events carry user ids): readable by this user only, in a folder only it can enter.
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await appendFile(file, line, { encoding: 'utf8', mode: 0o600 });
      await chmod(file, 0o600); // a file an older version created 0644
      if ((await stat(file)).size > (this.options.deadLetterMaxBytes ?? DEFAULT_DEAD_LETTER_MAX_BYTES)) {
        const lines = await this.deadLetterLines(file);
        const dropped = Math.ceil(lines.length / 2);
        await this.rewrite(file, lines.slice(dropped));
        this.options.logger.warn({ dropped, kept: lines.length - dropped, file }, 'dead-letter file past its size limit: the oldest half of its records dropped');
      }
    });
  }

  async forgetDeadLetters(key: string): Promise<number> {
    let removed = 0;
    await this.writeDeadLetters(async (file) => {
      if (!existsSync(file)) return;
      const lines = await this.deadLetterLines(file);
      const kept = lines.filter((line) => {
        try {
          return (JSON.parse(line) as { key?: string | null }).key !== key;
        } catch {
          return true; // not ours to judge; kept as it is
        }
      });
      removed = lines.length - kept.length;
      if (removed > 0) await this.rewrite(file, kept);
    });
    return removed;
  }

  private writeDeadLetters(work: (file: string) => Promise<void>): Promise<void> {
    const next = this.deadLetterWrites.then(() => work(this.options.deadLetterFile));
    this.deadLetterWrites = next.catch(() => undefined);
    return next;
  }

  private async deadLetterLines(file: string): Promise<string[]> {
    return (await readFile(file, 'utf8')).split('\n').filter((line) => line.length > 0);
  }

  /** Replaces the file whole (written beside it, then renamed), 0600. */
  private async rewrite(file: string, lines: readonly string[]): Promise<void> {
    const temporary = `${file}.tmp`;
    await writeFile(temporary, lines.map((line) => `${line}\n`).join(''), { encoding: 'utf8', mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, file);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((s) => s.stop()));
    for (const key of [...this.positions.keys()]) this.positions.delete(key);
    for (const log of this.logs.values()) await log.close();
    this.logs.clear();
  }
}
