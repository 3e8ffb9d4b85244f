import { createReadStream, existsSync } from 'node:fs';
import { appendFile, mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fromJson, toJson } from '@bufbuild/protobuf';
import { ProductSchema } from '@shopsense/contracts';
import type { CatalogStore, StoredProduct } from '../application/catalog-store.port';

type LogLine = { op: 'put'; p: unknown; h: string; e: string } | { op: 'del'; id: string };

/**
 * The catalog as an append-only log (one JSON line per put or delete) replayed into memory at
 * start, and rewritten compactly once the log is twice the live size. Appends are written
 * before a call returns, so an acknowledged upsert survives a crash; a torn last line (a crash
 * mid-append) is skipped on replay.
 */
export class CatalogLogStore implements CatalogStore {
  private readonly products = new Map<string, StoredProduct>();
  private logLines = 0;
  private readonly file: string;

  constructor(private readonly dataDir: string) {
    this.file = join(dataDir, 'catalog.log.jsonl');
  }

  get size(): number {
    return this.products.size;
  }

  async open(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    if (!existsSync(this.file)) return;
    const lines = createInterface({ input: createReadStream(this.file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        continue; // a torn final line from a crash mid-append
      }
      this.logLines++;
      if (entry.op === 'put') {
        const product = fromJson(ProductSchema, entry.p as never, { ignoreUnknownFields: true });
        this.products.set(product.id, { product, contentHash: entry.h, embeddingHash: entry.e });
      } else this.products.delete(entry.id);
    }
  }

  get(id: string): StoredProduct | undefined {
    return this.products.get(id);
  }

  all(): IterableIterator<StoredProduct> {
    return this.products.values();
  }

  async put(records: readonly StoredProduct[]): Promise<void> {
    if (records.length === 0) return;
    await this.append(records.map((r) => ({ op: 'put', p: toJson(ProductSchema, r.product), h: r.contentHash, e: r.embeddingHash })));
    for (const r of records) this.products.set(r.product.id, r);
    await this.compactIfNeeded();
  }

  async delete(ids: readonly string[]): Promise<string[]> {
    const existing = ids.filter((id) => this.products.has(id));
    if (existing.length === 0) return [];
    await this.append(existing.map((id) => ({ op: 'del', id })));
    for (const id of existing) this.products.delete(id);
    await this.compactIfNeeded();
    return existing;
  }

  async close(): Promise<void> {
    // Every write is appended before its call returns; nothing is buffered.
  }

  private async append(entries: LogLine[]): Promise<void> {
    await appendFile(this.file, entries.map((e) => JSON.stringify(e)).join('\n') + '\n', 'utf8');
    this.logLines += entries.length;
  }

  private async compactIfNeeded(): Promise<void> {
    if (this.logLines < 1_000 || this.logLines < this.products.size * 2) return;
    const tmp = `${this.file}.compact`;
    const handle = await open(tmp, 'w');
    try {
      let chunk: string[] = [];
      for (const r of this.products.values()) {
        chunk.push(JSON.stringify({ op: 'put', p: toJson(ProductSchema, r.product), h: r.contentHash, e: r.embeddingHash }));
        if (chunk.length === 1_000) {
          await handle.write(chunk.join('\n') + '\n');
          chunk = [];
        }
      }
      if (chunk.length) await handle.write(chunk.join('\n') + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.file);
    this.logLines = this.products.size;
  }
}
