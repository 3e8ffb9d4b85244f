import { CatalogService } from '@shopsense/contracts';
import { importCatalog } from '@shopsense/catalog-import';
import { CliError, connect, explainCallError, type ConnectionOptions } from './connection';
import type { Output } from './query-commands';

/** `shopsense import`: a JSONL or CSV catalog file through CatalogService, with progress and a reject report. */
export async function importFile(file: string, options: { resume: boolean; chunk: number }, connection: ConnectionOptions, out: Output): Promise<void> {
  if (!file) throw new CliError('usage: shopsense import <catalog.jsonl|catalog.csv> [--resume]');
  const client = connect(CatalogService, { ...connection, timeoutMs: Math.max(connection.timeoutMs, 600_000) });
  const started = Date.now();
  try {
    const summary = await importCatalog(
      file,
      async (products) => {
        const response = await client.upsertProducts(products.map((product) => ({ product }))).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
        return { accepted: Number(response.accepted), unchanged: Number(response.unchanged), rejections: response.rejections.map((r) => ({ index: Number(r.index), reason: r.reason })) };
      },
      {
        chunkSize: options.chunk,
        resume: options.resume,
        onProgress: (p) => {
          if (!process.stderr.isTTY) return;
          const share = p.bytesTotal ? Math.min(1, p.bytesRead / p.bytesTotal) : 0;
          const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
          process.stderr.write(`\r[${bar}] line ${p.lines}  accepted ${p.accepted}  unchanged ${p.unchanged}  rejected ${p.rejected} `);
        },
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      },
    ).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no such file: ${file}`);
      throw error;
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const seconds = (Date.now() - started) / 1000;
    if (out.json) out.write(JSON.stringify({ ...summary, seconds }));
    else out.write(`${summary.accepted} products indexed, ${summary.unchanged} unchanged, ${summary.rejected} rejected in ${seconds.toFixed(1)} s${summary.rejected > 0 ? `\nrejected rows (line and reason): ${summary.rejectFile}` : ''}`);
    // Like track: rejected rows exit 1 (the rest are indexed), so a script notices them.
    if (summary.rejected > 0) throw new CliError('', 1);
  } finally {
    client.close();
  }
}
