/**
 * bench:embedding — throughput and latency of the embedding service over real gRPC on
 * loopback, against a bare onnxruntime session running the same model on the same texts.
 *
 *   npm run bench:embedding        (EMBEDDING_MODEL_DIR or the fetched default model)
 *
 * Sweeps request batch size (1..64, one client) and concurrent clients (1..64, one text per
 * request, which is what dynamic batching is for). The ratio is the service's best
 * texts/s over the bare session's best texts/s. Writes docs/benchmarks.md; the last line
 * printed is one JSON object.
 */
import { availableParallelism } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { EmbeddingKind, EmbeddingService } from '@shopsense/contracts';
import { createGrpcClient } from '@shopsense/grpc';
import { startService } from '@shopsense/service-runtime';
import { OnnxTextEncoder } from '../../services/embedding/src/infrastructure/onnx-text-encoder';
import { embeddingService } from '../../services/embedding/src/embedding.service-definition';
import { normalizeForEmbedding } from '../../services/embedding/src/domain/text-normalization';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { percentile, round } from '../lib/stats';
import { benchTexts } from './bench-texts';
import { embeddingModelDir } from '@shopsense/testing';

const modelDir = embeddingModelDir();
const TEXTS_PER_CONFIG = Number(process.env['BENCH_TEXTS'] ?? 384);
const BATCH_SIZES = [1, 8, 32, 64];
const CONCURRENCY = [1, 8, 32, 64];
const threads = availableParallelism();

interface Row {
  mode: string;
  batch: number;
  clients: number;
  textsPerS: number;
  tokensPerS: number;
  p50: number;
  p99: number;
  cpuUsPerText: number;
}

const BARE = 'bare onnxruntime';
const BARE_SORTED = 'bare onnxruntime, sorted by length';

async function bare(texts: string[]): Promise<Row[]> {
  // The baseline: tokenised up front, the same ONNX file, one session, batches run back to back,
  // in arrival order. A second pass sorts all texts by length first: no padding at all, an upper
  // bound a service cannot reach (it never sees the whole set at once), reported beside it.
  const encoder = await OnnxTextEncoder.load({ modelDir: modelDir!, modelFile: process.env['EMBEDDING_MODEL_FILE'] ?? 'model.onnx', device: 'cpu', cudaFallbackToCpu: false, intraOpThreads: threads, interOpThreads: 1 });
  const prefix = encoder.manifest.documentPrefix;
  const sequences = await encoder.tokenize(texts.map((t) => prefix + normalizeForEmbedding(t)));
  const sorted = [...sequences].sort((a, b) => a.length - b.length);
  await encoder.encode(sequences.slice(0, 8)); // warm-up
  const rows: Row[] = [];
  for (const [mode, list] of [[BARE, sequences], [BARE_SORTED, sorted]] as const) {
    for (const batch of BATCH_SIZES) {
      const latencies: number[] = [];
      let tokens = 0;
      const started = performance.now();
      const cpu = process.cpuUsage();
      for (let i = 0; i < list.length; i += batch) {
        const chunk = list.slice(i, i + batch);
        tokens += chunk.reduce((n, s) => n + s.length, 0);
        const t0 = performance.now();
        await encoder.encode(chunk);
        latencies.push(performance.now() - t0);
      }
      const seconds = (performance.now() - started) / 1000;
      rows.push({ mode, batch, clients: 1, textsPerS: list.length / seconds, tokensPerS: tokens / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuUsPerText: cpuMicros(cpu) / list.length });
    }
  }
  return rows;
}

/** CPU of this process (every thread: main, tokenizer, inference) since `since`, in µs. */
function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

async function service(texts: string[], tokensPerText: readonly number[]): Promise<Row[]> {
  const running = await startService(embeddingService, {
    GRPC_HOST: '127.0.0.1', GRPC_PORT: '0', GRPC_TLS_MODE: 'insecure', GRPC_AUTH_MODE: 'none', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'warn',
    EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_INTRA_OP_THREADS: String(threads), EMBEDDING_MAX_BATCH_SIZE: '64', EMBEDDING_MAX_WAIT_MS: process.env['EMBEDDING_MAX_WAIT_MS'] ?? '3',
    ...(process.env['EMBEDDING_MODEL_FILE'] ? { EMBEDDING_MODEL_FILE: process.env['EMBEDDING_MODEL_FILE'] } : {}),
  });
  const client = createGrpcClient(EmbeddingService, `127.0.0.1:${running.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 120_000 });
  const rows: Row[] = [];
  const run = async (batch: number, clients: number) => {
    const requests: string[][] = [];
    for (let i = 0; i < texts.length; i += batch) requests.push(texts.slice(i, i + batch));
    let next = 0;
    const latencies: number[] = [];
    const started = performance.now();
    const cpu = process.cpuUsage();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < requests.length) {
          const request = requests[next++]!;
          const t0 = performance.now();
          await client.embed({ texts: request, kind: EmbeddingKind.DOCUMENT });
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const tokens = tokensPerText.reduce((n, count) => n + count, 0);
    rows.push({ mode: 'service (gRPC)', batch, clients, textsPerS: texts.length / seconds, tokensPerS: tokens / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuUsPerText: cpuMicros(cpu) / texts.length });
  };
  await run(8, 1); // warm-up of the client path
  rows.length = 0;
  for (const batch of BATCH_SIZES) await run(batch, 1);
  for (const clients of CONCURRENCY) if (clients > 1) await run(1, clients);
  for (const clients of [8]) await run(8, clients);
  client.close();
  await running.stop();
  return rows;
}

async function main(): Promise<void> {
  const texts = benchTexts(TEXTS_PER_CONFIG);
  const encoder = await OnnxTextEncoder.load({ modelDir: modelDir!, modelFile: 'model.onnx', device: 'cpu', cudaFallbackToCpu: false, intraOpThreads: 1, interOpThreads: 1 });
  const tokensPerText = (await encoder.tokenize(texts.map((t) => encoder.manifest.documentPrefix + normalizeForEmbedding(t)))).map((ids) => ids.length);
  const bareRows = await bare(texts);
  const serviceRows = await service(texts, tokensPerText);
  const best = (rows: Row[]) => rows.reduce((a, b) => (b.textsPerS > a.textsPerS ? b : a));
  const bestBare = best(bareRows.filter((r) => r.mode === BARE));
  const bestSorted = best(bareRows.filter((r) => r.mode === BARE_SORTED));
  const bestService = best(serviceRows);
  const ratio = bestService.textsPerS / bestBare.textsPerS;
  const ratioToSorted = bestService.textsPerS / bestSorted.textsPerS;

  const table = markdownTable(
    ['path', 'texts/request', 'clients', 'texts/s', 'tokens/s', 'p50 ms', 'p99 ms', 'CPU µs/text'],
    [...bareRows, ...serviceRows].map((r) => [r.mode, r.batch, r.clients, round(r.textsPerS, 1), Math.round(r.tokensPerS), round(r.p50, 1), round(r.p99, 1), Math.round(r.cpuUsPerText)]),
  );
  writeBenchmarkSection(
    'embedding',
    `## Embedding (\`npm run bench:embedding\`)

Model: ${encoder.manifest.name} (${encoder.manifest.version}), ${TEXTS_PER_CONFIG} product-like texts (English and Chinese) per configuration, document kind (no cache), ${threads} intra-op threads. Machine: ${machineDescription()}.

${table}

Service best ${round(bestService.textsPerS, 1)} texts/s (${bestService.batch} texts/request × ${bestService.clients} clients) vs bare session best ${round(bestBare.textsPerS, 1)} texts/s (batch ${bestBare.batch}, texts in arrival order): **ratio ${round(ratio, 3)}** (target ≥ 0.9). Against the bare session on all texts sorted by length first (batch ${bestSorted.batch}, ${round(bestSorted.textsPerS, 1)} texts/s; no padding at all, an upper bound a service that sees requests one by one cannot reach): ratio ${round(ratioToSorted, 3)}. The service plans batches of similar length (padded tokens ≤ EMBEDDING_MAX_PADDING_RATIO × real tokens): on CPU a padded position costs as much as a real one, so a batch of mixed lengths runs slower than its texts one by one (compare the bare rows in arrival order with the sorted ones). Latency is per request; for the bare session, per batch. CPU is the whole process's (main thread, tokenizer and inference workers; the service rows include the gRPC client) per text.`,
  );
  console.log(
    JSON.stringify({
      ratio: round(ratio, 3),
      texts_per_s: round(bestService.textsPerS, 1),
      tokens_per_s: Math.round(bestService.tokensPerS),
      p50_ms: round(bestService.p50, 1),
      p99_ms: round(bestService.p99, 1),
      cpu_us_per_text: Math.round(bestService.cpuUsPerText),
      bare_texts_per_s: round(bestBare.textsPerS, 1),
      bare_cpu_us_per_text: Math.round(bestBare.cpuUsPerText),
      bare_sorted_texts_per_s: round(bestSorted.textsPerS, 1),
      ratio_to_sorted_bare: round(ratioToSorted, 3),
      model: encoder.manifest.version,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
