/**
 * bench:embedding-int8 — the INT8 variant (scripts/model/quantize-int8.sh, onnxruntime's
 * dynamic quantisation) against the FP32 model, in one run on the same texts: throughput
 * ratio, cosine agreement, and retrieval quality on the shared multicpr-zh data (pairwise
 * accuracy of matching over non-matching titles per query) for both.
 *
 *   npm run bench:embedding-int8
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { OnnxTextEncoder } from '../../services/embedding/src/infrastructure/onnx-text-encoder';
import { cosine } from '../../services/embedding/src/domain/pooling';
import { normalizeForEmbedding } from '../../services/embedding/src/domain/text-normalization';
import { loadMultiCpr, pairwiseAccuracy, sharedDatasetAvailable } from '@shopsense/datasets';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { round } from '../lib/stats';
import { benchTexts } from './bench-texts';

async function main(): Promise<void> {
  const root = join(__dirname, '../..');
  const int8Path = execFileSync('bash', [join(root, 'scripts/model/quantize-int8.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const modelDir = join(int8Path, '..');
  const load = (modelFile: string) => OnnxTextEncoder.load({ modelDir, modelFile, device: 'cpu', cudaFallbackToCpu: false, intraOpThreads: 2, interOpThreads: 1 });
  const [fp32, int8] = [await load('model.onnx'), await load('model.int8.onnx')];

  const embedAll = async (encoder: OnnxTextEncoder, texts: string[], prefix: string) => {
    const out: Float32Array[] = [];
    const sequences = await encoder.tokenize(texts.map((t) => prefix + normalizeForEmbedding(t)));
    for (let i = 0; i < sequences.length; i += 16) out.push(...(await encoder.encode(sequences.slice(i, i + 16))));
    return out;
  };
  const timed = async (encoder: OnnxTextEncoder, texts: string[]) => {
    await embedAll(encoder, texts.slice(0, 16), '');
    const started = performance.now();
    const vectors = await embedAll(encoder, texts, encoder.manifest.documentPrefix);
    return { vectors, textsPerS: texts.length / ((performance.now() - started) / 1000) };
  };
  const texts = benchTexts(Number(process.env['BENCH_TEXTS'] ?? 256));
  // Alternate the order so neither model always runs on a warmer machine.
  const a1 = await timed(fp32, texts);
  const b1 = await timed(int8, texts);
  const b2 = await timed(int8, texts);
  const a2 = await timed(fp32, texts);
  const fp32Rate = (a1.textsPerS + a2.textsPerS) / 2;
  const int8Rate = (b1.textsPerS + b2.textsPerS) / 2;
  const cosines = a1.vectors.map((v, i) => cosine(v, b1.vectors[i]!));
  const minCos = Math.min(...cosines);
  const meanCos = cosines.reduce((s, c) => s + c, 0) / cosines.length;

  let quality: { fp32: number; int8: number; comparisons: number } | undefined;
  if (sharedDatasetAvailable('multicpr-zh')) {
    const pairs = loadMultiCpr();
    const score = async (encoder: OnnxTextEncoder) => {
      const queries = [...new Set(pairs.map((p) => p.query))];
      const qv = new Map((await embedAll(encoder, queries, encoder.manifest.queryPrefix)).map((v, i) => [queries[i]!, v]));
      const tv = await embedAll(encoder, pairs.map((p) => p.title), encoder.manifest.documentPrefix);
      return pairwiseAccuracy(pairs, (p, i) => cosine(qv.get(p.query)!, tv[i]!));
    };
    const [f, q] = [await score(fp32), await score(int8)];
    quality = { fp32: f.accuracy, int8: q.accuracy, comparisons: f.comparisons };
  }

  const ratio = int8Rate / fp32Rate;
  writeBenchmarkSection(
    'embedding-int8',
    `## Embedding INT8 vs FP32 (\`npm run bench:embedding-int8\`)

${fp32.manifest.name}, ${texts.length} product-like texts, batches of 16, 2 threads, each model timed twice in alternating order. Machine: ${machineDescription()}.

${markdownTable(
  ['model', 'texts/s', 'multicpr-zh pairwise accuracy'],
  [
    ['FP32 (model.onnx)', round(fp32Rate, 1), quality ? round(quality.fp32, 4) : 'skipped (../shared absent)'],
    ['INT8 (model.int8.onnx)', round(int8Rate, 1), quality ? round(quality.int8, 4) : 'skipped'],
  ],
)}

Throughput ratio INT8/FP32 **${round(ratio, 2)}**; cosine agreement with FP32: min ${round(minCos, 4)}, mean ${round(meanCos, 4)}${quality ? `; ${quality.comparisons} matching/non-matching comparisons on multicpr-zh` : ''}. Serve it with \`EMBEDDING_MODEL_FILE=model.int8.onnx\` (its vectors carry their own model version).`,
  );
  console.log(JSON.stringify({ ratio: round(ratio, 3), fp32_texts_per_s: round(fp32Rate, 1), int8_texts_per_s: round(int8Rate, 1), min_cosine: round(minCos, 4), mean_cosine: round(meanCos, 4), fp32_pairwise_accuracy: quality ? round(quality.fp32, 4) : null, int8_pairwise_accuracy: quality ? round(quality.int8, 4) : null }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
