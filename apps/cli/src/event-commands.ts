import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, CollectorService, type BehaviorEvent } from '@shopsense/contracts';
import { CliError, connect, explainCallError, type ConnectionOptions } from './connection';
import type { Output } from './query-commands';

const TRACK_BATCH = 500;

/**
 * One line of an events file: a BehaviorEvent in protobuf JSON. Two conveniences for hand-written
 * files: an event without `occurredAt` is stamped with the time it is sent, and one without
 * `eventId` gets an id derived from the line's text, so sending the same file twice is deduplicated
 * by the server rather than counted twice.
 */
export function parseEventLine(text: string, now: Date): BehaviorEvent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`);
  }
  const event = fromJson(BehaviorEventSchema, json as JsonValue);
  if (!event.occurredAt) event.occurredAt = timestampFromDate(now);
  if (!event.eventId) event.eventId = `cli-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  return event;
}

export async function track(file: string, connection: ConnectionOptions, out: Output): Promise<void> {
  const client = connect(CollectorService, connection);
  const rejected: { line: number; reason: string }[] = [];
  let accepted = 0;
  let batch: { line: number; event: BehaviorEvent }[] = [];
  const send = async () => {
    if (batch.length === 0) return;
    const response = await client.track({ events: batch.map((b) => b.event) }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    accepted += response.accepted;
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
  if (out.json) out.write(JSON.stringify({ accepted, rejected }));
  else out.write([`${accepted} events accepted, ${rejected.length} rejected`, ...rejected.slice(0, 50).map((r) => `  line ${r.line}: ${r.reason}`), ...(rejected.length > 50 ? [`  … and ${rejected.length - 50} more (use --json for all)`] : [])].join('\n'));
  if (rejected.length > 0) throw new CliError('', 1);
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
