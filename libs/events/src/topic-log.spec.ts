import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLogRecords, encodeLogRecord, TopicLog, type LoggedRecord } from './topic-log';

const record = (i: number, extra: Partial<LoggedRecord> = {}): LoggedRecord => ({ key: `user-${i}`, value: Buffer.from(`event ${i}`), headers: { n: String(i) }, timestamp: new Date(1_700_000_000_000 + i), ...extra });
const folder = () => mkdtempSync(join(tmpdir(), 'topic-log-'));
const segmentFiles = (dir: string) => readdirSync(dir).sort();

describe('TopicLog', () => {
  it('round-trips records, null keys and values, and unicode headers', () => {
    const records = [record(1), record(2, { key: null, value: null, headers: { 'x-reason': '颜色 ✓' } })];
    const bytes = Buffer.concat(records.map(encodeLogRecord));
    expect(decodeLogRecords(bytes)).toEqual({ records, intactBytes: bytes.length });
  });

  it('keeps what was appended across a reopen, with offsets continuing', async () => {
    const dir = folder();
    const first = await TopicLog.open(dir);
    expect(first).toMatchObject({ base: 0, records: [], tornBytes: 0 });
    expect(await first.log.append([record(0), record(1)])).toBe(0);
    expect(await first.log.append([record(2)])).toBe(2);
    await first.log.close();

    const again = await TopicLog.open(dir);
    expect(again.records.map((r) => r.key)).toEqual(['user-0', 'user-1', 'user-2']);
    expect(await again.log.append([record(3)])).toBe(3);
    await again.log.close();
  });

  it('writes appends that arrive together in one group, each told its own offset', async () => {
    const dir = folder();
    const { log } = await TopicLog.open(dir);
    const offsets = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([record(2 * i), record(2 * i + 1)])));
    expect(offsets).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i));
    await log.close();
    const reopened = await TopicLog.open(dir);
    expect(reopened.records.map((r) => r.headers['n'])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    await reopened.log.close();
  });

  it('cuts off a torn last write (a crash mid-append) and a corrupt tail, keeping every whole record', async () => {
    const dir = folder();
    const { log } = await TopicLog.open(dir);
    await log.append([record(0), record(1)]);
    await log.close();
    const [segment] = segmentFiles(dir);
    const whole = statSync(join(dir, segment!)).size;
    appendFileSync(join(dir, segment!), encodeLogRecord(record(2)).subarray(0, 20));
    const torn = await TopicLog.open(dir);
    expect(torn).toMatchObject({ tornBytes: 20 });
    expect(torn.records).toHaveLength(2);
    expect(statSync(join(dir, segment!)).size).toBe(whole);
    await torn.log.close();

    const bad = encodeLogRecord(record(3));
    bad[bad.length - 1] ^= 0xff; // the CRC no longer matches
    appendFileSync(join(dir, segment!), bad);
    const corrupt = await TopicLog.open(dir);
    expect(corrupt.records).toHaveLength(2);
    expect(await corrupt.log.append([record(4)])).toBe(2);
    await corrupt.log.close();
  });

  it('rolls segments by size and drops only those wholly below an offset', async () => {
    const dir = folder();
    const { log } = await TopicLog.open(dir, { segmentBytes: 200 });
    for (let i = 0; i < 20; i++) await log.append([record(i)]);
    const segments = segmentFiles(dir);
    expect(segments.length).toBeGreaterThan(3);
    const bases = segments.map((name) => Number(name.slice(0, 20)));
    const cut = bases[2]! + 1; // inside the third segment
    expect(await log.dropBefore(cut)).toBe(2);
    await log.close();
    const reopened = await TopicLog.open(dir, { segmentBytes: 200 });
    expect(reopened.base).toBe(bases[2]);
    expect(reopened.records.map((r) => r.headers['n'])).toEqual(Array.from({ length: 20 - bases[2]! }, (_, i) => String(bases[2]! + i)));
    await reopened.log.close();
  });

  it('keeps no record once all are below the cut, and offsets go on from there', async () => {
    const dir = folder();
    const { log } = await TopicLog.open(dir);
    await log.append([record(0), record(1), record(2)]);
    await log.dropBefore(3);
    await log.close();
    expect(readFileSync(join(dir, segmentFiles(dir).pop()!)).length).toBe(0);
    const reopened = await TopicLog.open(dir);
    expect(reopened).toMatchObject({ base: 3, records: [] });
    expect(await reopened.log.append([record(3)])).toBe(3);
    await reopened.log.close();
  });

  it('refuses a log with a missing segment or damage before its end, naming the file', async () => {
    const dir = folder();
    const { log } = await TopicLog.open(dir, { segmentBytes: 100 });
    for (let i = 0; i < 12; i++) await log.append([record(i)]);
    expect(segmentFiles(dir).length).toBeGreaterThan(2);
    await log.close();
    const segments = segmentFiles(dir);
    const middle = join(dir, segments[1]!);
    const bytes = readFileSync(middle);
    writeFileSync(middle, Buffer.concat([bytes, Buffer.from('junk')]));
    await expect(TopicLog.open(dir)).rejects.toThrow(new RegExp(`${segments[1]} is damaged at byte ${bytes.length}`));
    writeFileSync(middle, bytes);
    rmSync(middle);
    await expect(TopicLog.open(dir)).rejects.toThrow(/a segment is missing/);
  });

  it('fails every append after a failed write instead of guessing where the file ends', async () => {
    const dir = folder();
    const { log } = await TopicLog.open(dir);
    await log.append([record(0)]);
    // The file handle closed under it: the next write fails.
    await (log as unknown as { file: { close(): Promise<void> } }).file.close();
    await expect(log.append([record(1)])).rejects.toThrow(/event log cannot be written/);
    await expect(log.append([record(2)])).rejects.toThrow(/event log cannot be written/);
  });

  it('scrubs records in place: same offsets, nothing of them left on disk, appends carry on', async () => {
    const dir = folder();
    const { log } = await TopicLog.open(dir, { segmentBytes: 120 });
    for (let i = 0; i < 8; i++) await log.append([record(i, { key: i % 3 === 0 ? 'alice-raw-id' : `user-${i}` })]);
    const emptied = (r: LoggedRecord): LoggedRecord => ({ key: null, value: null, headers: { gone: '1' }, timestamp: r.timestamp });
    expect(await log.scrub((r) => r.key === 'alice-raw-id', emptied)).toBe(3);
    expect(await log.append([record(8)])).toBe(8);
    await log.close();
    for (const name of segmentFiles(dir)) expect(readFileSync(join(dir, name)).includes('alice-raw-id')).toBe(false);
    const reopened = await TopicLog.open(dir);
    expect(reopened.records.map((r) => r.key)).toEqual([null, 'user-1', 'user-2', null, 'user-4', 'user-5', null, 'user-7', 'user-8']);
    expect(reopened.records[3]!.headers).toEqual({ gone: '1' });
    await reopened.log.close();
  });
});
