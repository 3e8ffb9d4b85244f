import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/**
 * The embedding model folder for benchmarks and evaluations: EMBEDDING_MODEL_DIR, or the one the
 * set-up script fetches and builds (idempotent: quick when the model is already there), so that
 * `npm run bench:<name>` works on a fresh checkout as written.
 */
export function embeddingModelDir(): string {
  const fromEnvironment = process.env['EMBEDDING_MODEL_DIR'];
  if (fromEnvironment) return fromEnvironment;
  const output = execFileSync('bash', [resolve(WORKSPACE_ROOT, 'scripts/model/fetch-model.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const dir = output.trim().split('\n').pop();
  if (!dir) throw new Error('scripts/model/fetch-model.sh printed no model folder');
  return dir;
}

/**
 * `file` in the model folder, made first when it is the INT8 variant and missing
 * (scripts/model/quantize-int8.sh, idempotent): benchmarks that default to it work on a fresh
 * checkout, not only after `npm test` has built it.
 */
export function ensureModelFile(modelDir: string, file: string): string {
  if (file === 'model.int8.onnx' && !existsSync(join(modelDir, file))) {
    process.stderr.write('making model.int8.onnx (scripts/model/quantize-int8.sh)…\n');
    execFileSync('bash', [resolve(WORKSPACE_ROOT, 'scripts/model/quantize-int8.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return file;
}
