import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Product } from '@shopsense/contracts';
import { csvColumnProblem, csvRecordComplete, MAX_LINE_CHARS, parseCsvRow, parseJsonRow, splitCsvRecord, type RowResult } from './catalog-rows';

export interface ChunkResult {
  accepted: number;
  unchanged: number;
  /** Rejections by position in the chunk. */
  rejections: { index: number; reason: string }[];
}

export interface ImportProgress {
  lines: number;
  accepted: number;
  unchanged: number;
  rejected: number;
  bytesRead: number;
  bytesTotal: number;
}

export interface ImportOptions {
  format?: 'jsonl' | 'csv';
  /** Products per UpsertProducts stream; the checkpoint advances after each. */
  chunkSize?: number;
  /** Continue after the last checkpoint instead of starting over. */
  resume?: boolean;
  stateFile?: string;
  rejectFile?: string;
  onProgress?: (progress: ImportProgress) => void;
  /** Something the import goes on after but the user should know (a CSV column it ignores). */
  onWarning?: (message: string) => void;
}

interface ImportState {
  file: string;
  /** Lines (records) fully handled, counting from 1. */
  linesDone: number;
  accepted: number;
  unchanged: number;
  rejected: number;
}

/** A 52-bit fingerprint of an id: duplicate detection without keeping every id string. */
function fingerprint(id: string): number {
  const digest = createHash('sha1').update(id).digest();
  return digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4);
}

/** Records of a file with their first line number: JSONL lines or CSV records. */
async function* records(file: string, format: 'jsonl' | 'csv', onBytes: (n: number) => void, warn: (message: string) => void): AsyncGenerator<{ line: number; row: RowResult }> {
  const input = createReadStream(file, { encoding: 'utf8' });
  input.on('data', (chunk) => onBytes(Buffer.byteLength(chunk as string)));
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  let header: string[] | undefined;
  let pending = '';
  let pendingStart = 0;
  for await (const line of lines) {
    lineNumber++;
    if (format === 'jsonl') {
      if (line.trim()) yield { line: lineNumber, row: parseJsonRow(line) };
      continue;
    }
    if (!pending) pendingStart = lineNumber;
    pending = pending ? `${pending}\n${line}` : line;
    if (pending.length > MAX_LINE_CHARS) {
      yield { line: pendingStart, row: { ok: false, reason: `record longer than ${MAX_LINE_CHARS} characters` } };
      pending = '';
      continue;
    }
    if (!csvRecordComplete(pending)) continue;
    const fields = splitCsvRecord(pending);
    pending = '';
    if (!header) {
      header = fields.map((f) => f.trim().toLowerCase());
      if (!header.includes('id') || !header.includes('title')) throw new Error(`${file}: the CSV header must name at least the columns id and title (got: ${header.join(', ')})`);
      for (const column of header) {
        const problem = csvColumnProblem(column);
        if (problem) warn(`${file}: ${problem}`);
      }
      continue;
    }
    if (fields.length === 1 && !fields[0]!.trim()) continue;
    yield { line: pendingStart, row: parseCsvRow(header, fields) };
  }
  if (pending) yield { line: pendingStart, row: { ok: false, reason: 'unterminated quoted field at the end of the file' } };
}

/**
 * Streams a JSONL or CSV catalog file into the catalog in chunks, with constant memory (apart
 * from a 52-bit fingerprint per id, to reject duplicate ids), a checkpoint after every chunk
 * so an interrupted import resumes where it stopped, and a reject file with the line number
 * and reason of every row that was not imported. Bad rows never stop the import.
 */
export async function importCatalog(file: string, send: (products: Product[]) => Promise<ChunkResult>, options: ImportOptions = {}): Promise<ImportProgress & { rejectFile: string; stateFile: string }> {
  const format = options.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
  const chunkSize = options.chunkSize ?? 500;
  const stateFile = options.stateFile ?? `${file}.import-state.json`;
  const rejectFile = options.rejectFile ?? `${file}.rejects.jsonl`;
  let state: ImportState = { file, linesDone: 0, accepted: 0, unchanged: 0, rejected: 0 };
  if (options.resume && existsSync(stateFile)) {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as ImportState;
  } else {
    await writeFile(rejectFile, '');
  }
  const { size: bytesTotal } = await import('node:fs/promises').then((fs) => fs.stat(file));
  let bytesRead = 0;
  const seen = new Set<number>();
  let chunk: { line: number; product: Product }[] = [];
  let lastLine = state.linesDone;
  const rejects: string[] = [];
  const reject = (line: number, id: string, reason: string) => {
    rejects.push(JSON.stringify({ line, id, reason }));
    state.rejected++;
  };
  const progress = () => options.onProgress?.({ lines: lastLine, accepted: state.accepted, unchanged: state.unchanged, rejected: state.rejected, bytesRead, bytesTotal });

  const flush = async () => {
    if (chunk.length > 0) {
      const result = await send(chunk.map((c) => c.product));
      state.accepted += result.accepted;
      state.unchanged += result.unchanged;
      for (const r of result.rejections) reject(chunk[r.index]!.line, chunk[r.index]!.product.id, r.reason);
    }
    state.linesDone = lastLine;
    if (rejects.length) await appendFile(rejectFile, rejects.splice(0).join('\n') + '\n');
    await writeFile(`${stateFile}.tmp`, JSON.stringify(state));
    await rename(`${stateFile}.tmp`, stateFile);
    chunk = [];
    progress();
  };

  for await (const { line, row } of records(file, format, (n) => (bytesRead += n), options.onWarning ?? (() => undefined))) {
    if (line <= state.linesDone) continue;
    lastLine = line;
    if (!row.ok) {
      reject(line, '', row.reason);
    } else {
      const id = row.product.id;
      const print = id ? fingerprint(id) : undefined;
      if (print !== undefined && seen.has(print)) reject(line, id, 'duplicate id (an earlier line has the same id)');
      else {
        if (print !== undefined) seen.add(print);
        chunk.push({ line, product: row.product });
      }
    }
    if (chunk.length >= chunkSize) await flush();
  }
  await flush();
  return { lines: state.linesDone, accepted: state.accepted, unchanged: state.unchanged, rejected: state.rejected, bytesRead, bytesTotal, rejectFile, stateFile };
}
