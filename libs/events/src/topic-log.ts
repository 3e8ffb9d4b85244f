import { mkdir, open, readdir, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** One record as the log keeps it. */
export interface LoggedRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: Date;
}

export interface TopicLogOptions {
  /** A segment past this size is closed and the next record starts a new one. 64 MiB. */
  segmentBytes?: number;
}

export interface OpenedTopicLog {
  log: TopicLog;
  /** Offset of `records[0]` (the first record still on disk). */
  base: number;
  records: LoggedRecord[];
  /** Bytes cut from the end of the last segment: a write a crash interrupted, never acknowledged. */
  tornBytes: number;
}

const HEADER_BYTES = 8; // u32 payload length, u32 CRC-32 of the payload
const SEGMENT_SUFFIX = '.log';
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

const segmentName = (base: number) => `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`;

/** payload: f64 timestamp ms | i32 key length (-1: null) | key | i32 value length (-1: null) | value | headers as JSON */
export function encodeLogRecord(record: LoggedRecord): Buffer {
  const key = record.key === null ? null : Buffer.from(record.key, 'utf8');
  const headers = Buffer.from(JSON.stringify(record.headers), 'utf8');
  const payloadBytes = 8 + 4 + (key?.length ?? 0) + 4 + (record.value?.length ?? 0) + headers.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  let at = HEADER_BYTES;
  at = out.writeDoubleLE(record.timestamp.getTime(), at);
  at = out.writeInt32LE(key === null ? -1 : key.length, at);
  if (key) at += key.copy(out, at);
  at = out.writeInt32LE(record.value === null ? -1 : record.value.length, at);
  if (record.value) at += record.value.copy(out, at);
  headers.copy(out, at);
  out.writeUInt32LE(payloadBytes, 0);
  out.writeUInt32LE(crc32(out.subarray(HEADER_BYTES)), 4);
  return out;
}

/** The records of one segment's bytes, and where the intact part ends (a torn or corrupt tail is not a record). */
export function decodeLogRecords(bytes: Buffer): { records: LoggedRecord[]; intactBytes: number } {
  const records: LoggedRecord[] = [];
  let at = 0;
  while (at + HEADER_BYTES <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    const end = at + HEADER_BYTES + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(at + HEADER_BYTES, end);
    if (crc32(payload) !== bytes.readUInt32LE(at + 4)) break;
    let p = 0;
    const timestamp = new Date(payload.readDoubleLE(p));
    p += 8;
    const keyLength = payload.readInt32LE(p);
    p += 4;
    const key = keyLength < 0 ? null : payload.toString('utf8', p, p + keyLength);
    p += Math.max(0, keyLength);
    const valueLength = payload.readInt32LE(p);
    p += 4;
    // Copied out of the segment's buffer, so a kept record does not pin the whole file in memory.
    const value = valueLength < 0 ? null : Buffer.from(payload.subarray(p, p + valueLength));
    p += Math.max(0, valueLength);
    const headers = JSON.parse(payload.toString('utf8', p)) as Record<string, string>;
    records.push({ key, value, headers, timestamp });
    at = end;
  }
  return { records, intactBytes: at };
}

interface PendingAppend {
  bytes: Buffer[];
  first: number;
  done: (error?: Error) => void;
}

/**
 * An append-only log of one topic's records on disk (standalone mode), so that what the bus
 * acknowledged survives a crash. Appends are group-committed: every append that arrives while a
 * write is in flight goes into the next write, and one fdatasync covers them all, so a burst of
 * Track calls costs one sync, not one per call. An append resolves only once its records are
 * synced; a crash before that loses only records nobody was told were kept.
 *
 * Records live in segment files named by their first offset. Whoever consumes the topic says how
 * far its effects are durable elsewhere (`dropBefore`), and whole segments below that go.
 */
export class TopicLog {
  private pending: PendingAppend[] = [];
  private flushing?: Promise<void>;
  private closed = false;
  /** A write that failed leaves the file's end unknown: every later append fails with it until a restart reopens the log. */
  private failure?: Error;
  /** File work one piece at a time: a group's write and sync, a cut, a scrub. */
  private io: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    /** Bases of the segments on disk, oldest first; the last is the one appended to. */
    private readonly segments: number[],
    private file: FileHandle,
    private fileBytes: number,
    private nextOffset: number,
  ) {}

  static async open(dir: string, options: TopicLogOptions = {}): Promise<OpenedTopicLog> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const segments = (await readdir(dir))
      .filter((name) => /^\d{20}\.log$/.test(name))
      .map((name) => Number(name.slice(0, 20)))
      .sort((a, b) => a - b);
    const records: LoggedRecord[] = [];
    let tornBytes = 0;
    let lastBytes = 0;
    for (const [index, base] of segments.entries()) {
      const path = join(dir, segmentName(base));
      const bytes = await readFile(path);
      const decoded = decodeLogRecords(bytes);
      if (base !== (segments[0] ?? 0) + records.length) throw new Error(`event log ${path} starts at offset ${base} where ${(segments[0] ?? 0) + records.length} was expected: a segment is missing`);
      if (decoded.intactBytes < bytes.length) {
        // Only the newest segment can end in a torn write; anything else is damage worth stopping for.
        if (index !== segments.length - 1) throw new Error(`event log ${path} is damaged at byte ${decoded.intactBytes} of ${bytes.length}`);
        tornBytes = bytes.length - decoded.intactBytes;
        await truncate(path, decoded.intactBytes);
      }
      for (const record of decoded.records) records.push(record);
      lastBytes = decoded.intactBytes;
    }
    const base = segments[0] ?? 0;
    if (segments.length === 0) segments.push(0);
    const active = segments[segments.length - 1]!;
    const file = await open(join(dir, segmentName(active)), 'a', 0o600);
    const log = new TopicLog(dir, options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, segments, file, lastBytes, base + records.length);
    return { log, base, records, tornBytes };
  }

  /** Offset the next appended record gets. */
  get endOffset(): number {
    return this.nextOffset;
  }

  /** Appends records; resolves once they are on disk (synced), with the offset of the first. */
  append(records: readonly LoggedRecord[]): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the event log is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const first = this.nextOffset;
    this.nextOffset += records.length;
    const bytes = records.map(encodeLogRecord);
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ bytes, first, done: (error) => (error ? reject(error) : resolve(first)) });
      this.flushing ??= this.flush();
    });
  }

  /** Writes and syncs whatever is pending, again and again until nothing is. */
  private async flush(): Promise<void> {
    // Lets the appends of the current tick join this write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      try {
        await this.exclusive(async () => {
          if (this.failure) throw this.failure;
          // One segment per group (a segment may pass its size by one group), one writev for it all.
          await this.rollIfFull(group[0]!.first);
          const buffers = group.flatMap((append) => append.bytes);
          const bytes = buffers.reduce((n, b) => n + b.length, 0);
          const { bytesWritten } = await this.file.writev(buffers);
          if (bytesWritten !== bytes) throw new Error(`short write: ${bytesWritten} of ${bytes} bytes`);
          this.fileBytes += bytes;
          await this.file.datasync();
        });
        for (const append of group) append.done();
      } catch (error) {
        // Nothing of this group may be reported kept (the caller retries; Track is idempotent).
        this.failure ??= new Error(`the event log cannot be written: ${(error as Error).message}`);
        for (const append of group) append.done(this.failure);
      }
    }
    this.flushing = undefined;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.io.then(work);
    this.io = run.catch(() => undefined);
    return run;
  }

  /** Starts a new segment at `offset` when the current one is full. */
  private async rollIfFull(offset: number): Promise<void> {
    if (this.fileBytes < this.segmentBytes) return;
    await this.startSegment(offset);
  }

  private async startSegment(base: number): Promise<void> {
    await this.file.datasync();
    await this.file.close();
    this.file = await open(join(this.dir, segmentName(base)), 'a', 0o600);
    this.fileBytes = 0;
    this.segments.push(base);
  }

  /**
   * Deletes the segments that hold only records below `offset` (their effects are durable
   * elsewhere). When every record is below it, the current segment is closed first, so the log
   * keeps no applied record at all. Returns the number of segments deleted.
   */
  async dropBefore(offset: number): Promise<number> {
    // After any write in progress (the lock). No append can be pending when every record is below
    // `offset`: a consumer's position never passes what was written.
    return this.exclusive(async () => {
      if (offset >= this.nextOffset && this.fileBytes > 0 && !this.closed) await this.startSegment(this.nextOffset);
      let dropped = 0;
      while (this.segments.length > 1 && this.segments[1]! <= offset) {
        await rm(join(this.dir, segmentName(this.segments.shift()!)), { force: true });
        dropped++;
      }
      return dropped;
    });
  }

  /**
   * Replaces every record `matches` picks with `replacement(record)` at the same offset: a
   * forgotten user's raw events leave the disk at once, not at the next cut. Each segment that held
   * one is written again beside itself, synced and renamed over it. Returns how many records.
   */
  async scrub(matches: (record: LoggedRecord) => boolean, replacement: (record: LoggedRecord) => LoggedRecord): Promise<number> {
    return this.exclusive(async () => {
      let scrubbed = 0;
      try {
        for (const base of this.segments) {
          const path = join(this.dir, segmentName(base));
          // Whole: every write is synced before the lock is let go.
          const { records } = decodeLogRecords(await readFile(path));
          if (!records.some(matches)) continue;
          const bytes = Buffer.concat(records.map((r) => (matches(r) ? (scrubbed++, encodeLogRecord(replacement(r))) : encodeLogRecord(r))));
          const temporary = `${path}.scrub`;
          const handle = await open(temporary, 'w', 0o600);
          try {
            await handle.writeFile(bytes);
            await handle.sync();
          } finally {
            await handle.close();
          }
          const active = base === this.segments[this.segments.length - 1];
          if (active) await this.file.close();
          await rename(temporary, path);
          if (active) {
            this.file = await open(path, 'a', 0o600);
            this.fileBytes = bytes.length;
          }
        }
        if (scrubbed > 0) {
          const folder = await open(this.dir, 'r');
          await folder.sync().finally(() => folder.close());
        }
      } catch (error) {
        this.failure ??= new Error(`the event log cannot be written: ${(error as Error).message}`);
        throw error;
      }
      return scrubbed;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.io;
    await this.file.close();
  }
}
