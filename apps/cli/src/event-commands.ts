import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, CollectorService, type BehaviorEvent } from '@shopsense/contracts';
import { CliError, connect, explainCallError, type ConnectionOptions } from './connection';
import type { Output } from './query-commands';

const TRACK_BATCH = 500;

/**
 * One line of an events file: a BehaviorEvent in protobuf JSON. Two conveniences for hand-written
 * files: an event without `occurredAt` is stamped with `now` (track; history must carry its own
 * times, so backfill passes none), and one without `eventId` gets an id derived from the line's
 * text, so sending the same file twice is deduplicated by the server rather than counted twice.
 */
export function parseEventLine(text: string, now: Date | undefined): BehaviorEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`);
  }
  const event = fromJson(BehaviorEventSchema, json as JsonValue);
  if (!event.occurredAt && now) event.occurredAt = timestampFromDate(now);
  if (!event.eventId) event.eventId = `cli-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  return event;
}

/** "8 events accepted" and, when there are any, the duplicates and the forgotten users' events, said apart. */
function countsLine(counts: { accepted: number; duplicates: number; forgotten: number }, verb: string): string {
  const parts = [`${counts.accepted} events ${verb}`];
  if (counts.duplicates > 0) parts.push(`${counts.duplicates} duplicates of events applied before (skipped)`);
  if (counts.forgotten > 0) parts.push(`${counts.forgotten} dropped (their user was forgotten)`);
  return parts.join(', ');
}

export async function track(file: string, connection: ConnectionOptions, out: Output): Promise<void> {
  const client = connect(CollectorService, connection);
  const rejected: { line: number; reason: string }[] = [];
  const counts = { accepted: 0, duplicates: 0, forgotten: 0 };
  let batch: { line: number; event: BehaviorEvent }[] = [];
  const send = async () => {
    if (batch.length === 0) return;
    const response = await client.track({ events: batch.map((b) => b.event) }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    counts.accepted += response.accepted;
    counts.duplicates += response.duplicates;
    counts.forgotten += response.forgotten;
    for (const r of response.rejected) rejected.push({ line: batch[r.index]?.line ?? -1, reason: r.reason });
    batch = [];
  };
  try {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }).on('error', () => undefined), crlfDelay: Infinity });
    let lineNumber = 0;
    const now = new Date();
    try {
      for await (const line of lines) {
        lineNumber++;
        if (!line.trim()) continue;
        try {
          batch.push({ line: lineNumber, event: parseEventLine(line, now) });
        } catch (error) {
          rejected.push({ line: lineNumber, reason: (error as Error).message });
        }
        if (batch.length >= TRACK_BATCH) await send();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no such file: ${file}`);
      throw error;
    }
    await send();
  } finally {
    client.close();
  }
  rejected.sort((a, b) => a.line - b.line);
  if (out.json) out.write(JSON.stringify({ ...counts, rejected }));
  else out.write([`${countsLine(counts, 'accepted')}, ${rejected.length} rejected`, ...rejected.slice(0, 50).map((r) => `  line ${r.line}: ${r.reason}`), ...(rejected.length > 50 ? [`  … and ${rejected.length - 50} more (use --json for all)`] : [])].join('\n'));
  if (rejected.length > 0) throw new CliError('', 1);
}

/** Events per ImportEvents stream: an interrupted backfill loses at most one stream's answer (and is safe to run again). */
const EVENTS_PER_STREAM = 100_000;

export interface BackfillSummary {
  accepted: number;
  duplicates: number;
  forgotten: number;
  /** Lines rejected (unparseable here, or invalid at the server), with reasons; the server lists at most 10,000 per stream. */
  rejected: { line: number; reason: string }[];
  rejectedCount: number;
  /** Events older than an event before them in the file (history should be sent in time order). */
  outOfOrder: number;
  seconds: number;
}

/**
 * `shopsense backfill`: a history file through CollectorService.ImportEvents, in streams of
 * EVENTS_PER_STREAM events, 500 per message, with progress and a summary. Events keep their own
 * `occurredAt` (required) and are applied as if they had arrived then.
 */
export async function backfill(file: string, connection: ConnectionOptions, out: Output): Promise<void> {
  const client = connect(CollectorService, { ...connection, timeoutMs: Math.max(connection.timeoutMs, 600_000) });
  const started = Date.now();
  const summary: BackfillSummary = { accepted: 0, duplicates: 0, forgotten: 0, rejected: [], rejectedCount: 0, outOfOrder: 0, seconds: 0 };
  let bytesTotal = 0;
  try {
    bytesTotal = (await stat(file)).size;
  } catch {
    throw new CliError(`no such file: ${file}`);
  }
  let bytesRead = 0;
  let lineNumber = 0;
  let sent = 0;
  let latest = -Infinity;
  let lastProgress = 0;
  const progress = () => {
    if (!process.stderr.isTTY || Date.now() - lastProgress < 200) return;
    lastProgress = Date.now();
    const share = bytesTotal > 0 ? Math.min(1, bytesRead / bytesTotal) : 1;
    const rate = sent / Math.max(0.001, (Date.now() - started) / 1000);
    process.stderr.write(`\r[${'#'.repeat(Math.round(share * 30)).padEnd(30, '.')}] line ${lineNumber}  sent ${sent}  ${Math.round(rate)} events/s `);
  };
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (!finished) {
      const streamLines: number[] = [];
      const chunks = async function* () {
        let chunk: BehaviorEvent[] = [];
        while (streamLines.length < EVENTS_PER_STREAM) {
          const next = await lines.next();
          if (next.done) {
            finished = true;
            break;
          }
          lineNumber++;
          bytesRead += Buffer.byteLength(next.value) + 1;
          if (!next.value.trim()) continue;
          let event: BehaviorEvent;
          try {
            event = parseEventLine(next.value, undefined);
          } catch (error) {
            summary.rejected.push({ line: lineNumber, reason: (error as Error).message });
            summary.rejectedCount++;
            continue;
          }
          const time = event.occurredAt ? Number(event.occurredAt.seconds) : latest;
          if (time < latest) summary.outOfOrder++;
          latest = Math.max(latest, time);
          streamLines.push(lineNumber);
          chunk.push(event);
          if (chunk.length === TRACK_BATCH) {
            yield { events: chunk };
            sent += chunk.length;
            chunk = [];
            progress();
          }
        }
        if (chunk.length > 0) yield { events: chunk };
        sent += chunk.length;
      };
      const response = await client.importEvents(chunks()).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
      summary.accepted += Number(response.accepted);
      summary.duplicates += Number(response.duplicates);
      summary.forgotten += Number(response.forgotten);
      summary.rejectedCount += Number(response.rejectedCount);
      for (const r of response.rejected) summary.rejected.push({ line: streamLines[r.index] ?? -1, reason: r.reason });
    }
  } finally {
    client.close();
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  summary.seconds = (Date.now() - started) / 1000;
  summary.rejected.sort((a, b) => a.line - b.line);
  if (out.json) out.write(JSON.stringify(summary));
  else {
    const listed = summary.rejected.slice(0, 50).map((r) => `  line ${r.line}: ${r.reason}`);
    const more = summary.rejectedCount - listed.length;
    out.write(
      [
        `${countsLine(summary, 'imported')}, ${summary.rejectedCount} rejected, in ${summary.seconds.toFixed(1)} s (${Math.round(summary.accepted / Math.max(0.001, summary.seconds))} events/s); they are applied with their own times within seconds`,
        ...(summary.outOfOrder > 0 ? [`warning: ${summary.outOfOrder} events are older than an event before them; send history in time order, or sessions and decay are only approximate`] : []),
        ...listed,
        ...(more > 0 ? [`  … and ${more} more (--json lists up to 10,000 per 100,000 events; every rejected event is in the dead letters)`] : []),
      ].join('\n'),
    );
  }
  if (summary.rejectedCount > 0) throw new CliError('', 1);
}

export async function forgetUser(userId: string, connection: ConnectionOptions, out: Output): Promise<void> {
  if (!userId) throw new CliError('usage: shopsense forget-user <user-id>');
  const client = connect(CollectorService, connection);
  try {
    await client.forgetUser({ userId }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    out.write(out.json ? JSON.stringify({ forgotten: userId }) : `forgot ${userId}: every profile key is deleted, and later events of this user are dropped`);
  } finally {
    client.close();
  }
}
