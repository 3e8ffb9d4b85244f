/**
 * The CUDA execution-provider check of the embedding service (run on a GPU node by
 * scripts/gpu/check-cuda-embedding.sh): loads the same model on CPU and on CUDA through the
 * service's own encoder, embeds the golden sentences with both and requires cosine >= 0.999
 * for every one. Prints one JSON line; exits non-zero on a mismatch or if CUDA cannot load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxTextEncoder } from '../../services/embedding/src/infrastructure/onnx-text-encoder';
import { cosine } from '../../services/embedding/src/domain/pooling';

async function main(): Promise<void> {
  const modelDir = process.env['EMBEDDING_MODEL_DIR'];
  if (!modelDir) throw new Error('EMBEDDING_MODEL_DIR is not set');
  const sentences = (JSON.parse(readFileSync(join(__dirname, '../model/golden-sentences.json'), 'utf8')) as { sentences: { text: string; kind: string }[] }).sentences;
  const load = (device: 'cpu' | 'cuda') => OnnxTextEncoder.load({ modelDir, modelFile: 'model.onnx', device, cudaFallbackToCpu: false, intraOpThreads: 4, interOpThreads: 1 });
  const [cpu, cuda] = [await load('cpu'), await load('cuda')];
  const sequences = await cpu.tokenize(sentences.map((s) => (s.kind === 'query' ? cpu.manifest.queryPrefix : cpu.manifest.documentPrefix) + s.text));
  const [a, b] = [await cpu.encode(sequences), await cuda.encode(sequences)];
  const cosines = a.map((v, i) => cosine(v, b[i]!));
  const started = performance.now();
  for (let i = 0; i < 20; i++) await cuda.encode(sequences);
  const cudaTextsPerS = (20 * sequences.length) / ((performance.now() - started) / 1000);
  const min = Math.min(...cosines);
  console.log(JSON.stringify({ device: cuda.device, texts: sequences.length, min_cosine: min, cuda_texts_per_s: Math.round(cudaTextsPerS), ok: min >= 0.999 }));
  if (min < 0.999) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
