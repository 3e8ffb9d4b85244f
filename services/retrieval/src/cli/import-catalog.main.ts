/**
 * Bulk import of a catalog file into a running retrieval service:
 *
 *   npm run catalog:import -- <file.jsonl|file.csv> [--target host:port] [--resume]
 *                             [--chunk 500] [--tls] [--ca file] [--api-key key]
 *
 * Streams the file (constant memory), shows progress, checkpoints after every chunk
 * (<file>.import-state.json; --resume continues from it) and writes every rejected row with
 * its line number and reason to <file>.rejects.jsonl.
 */
import { parseArgs } from 'node:util';
import { CatalogService } from '@shopsense/contracts';
import { channelCredentials, createGrpcClient } from '@shopsense/grpc';
import { importCatalog } from '@shopsense/catalog-import';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: 'string', default: process.env['SHOPSENSE_CATALOG_ADDR'] ?? '127.0.0.1:50053' },
      resume: { type: 'boolean', default: false },
      chunk: { type: 'string', default: '500' },
      tls: { type: 'boolean', default: false },
      ca: { type: 'string' },
      'api-key': { type: 'string', default: process.env['SHOPSENSE_API_KEY'] },
    },
  });
  const file = positionals[0];
  if (!file) throw new Error('usage: catalog:import <file.jsonl|file.csv> [--target host:port] [--resume]');
  const client = createGrpcClient(CatalogService, values.target!, {
    credentials: channelCredentials({ mode: values.tls ? 'tls' : 'insecure', caFile: values.ca }),
    defaultTimeoutMs: 600_000,
    apiKey: values['api-key'],
  });
  const started = Date.now();
  const summary = await importCatalog(
    file,
    async (products) => {
      const response = await client.upsertProducts(products.map((product) => ({ product })));
      return { accepted: Number(response.accepted), unchanged: Number(response.unchanged), rejections: response.rejections.map((r) => ({ index: Number(r.index), reason: r.reason })) };
    },
    {
      chunkSize: Number(values.chunk),
      resume: values.resume ?? false,
      onProgress: (p) => {
        const share = p.bytesTotal ? Math.min(1, p.bytesRead / p.bytesTotal) : 0;
        const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
        const rate = (p.accepted + p.unchanged) / Math.max(0.001, (Date.now() - started) / 1000);
        process.stderr.write(`\r[${bar}] ${(share * 100).toFixed(0)}%  line ${p.lines}  accepted ${p.accepted}  unchanged ${p.unchanged}  rejected ${p.rejected}  ${rate.toFixed(0)}/s `);
      },
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    },
  );
  process.stderr.write('\n');
  client.close();
  console.log(JSON.stringify({ ...summary, seconds: (Date.now() - started) / 1000 }));
  if (summary.rejected > 0) process.stderr.write(`${summary.rejected} rows rejected: see ${summary.rejectFile}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`\nimport failed: ${error instanceof Error ? error.message : String(error)}\n(the checkpoint is kept: rerun with --resume to continue)\n`);
  process.exit(1);
});
