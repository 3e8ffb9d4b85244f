import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { AppError } from '@shopsense/errors';
import type { TextEncoder } from '../application/text-encoder.port';
import { parseModelManifest, type ModelManifest } from '../domain/model-manifest';
import { l2Normalize, poolRow } from '../domain/pooling';
import { WorkerInferenceSession } from './worker-inference-session';
import { WorkerTokenizer } from './worker-tokenizer';

export interface OnnxEncoderOptions {
  modelDir: string;
  /** `model.onnx` by default; `model.int8.onnx` for the quantised variant. */
  modelFile: string;
  device: 'cpu' | 'cuda';
  /** With device=cuda: run on CPU (and say so) when the CUDA provider cannot load. */
  cudaFallbackToCpu: boolean;
  intraOpThreads: number;
  interOpThreads: number;
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new AppError('FAILED_PRECONDITION', `${what} not found at ${path}; run scripts/model/fetch-model.sh or set EMBEDDING_MODEL_DIR`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AppError('FAILED_PRECONDITION', `${what} at ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A Hugging Face style sentence-embedding export on ONNX Runtime: `tokenizer.json` through
 * @huggingface/tokenizers and `model.onnx` through onnxruntime-node, each on a worker thread of
 * its own, pooling and normalisation from `shopsense-model.json`.
 */
export class OnnxTextEncoder implements TextEncoder {
  private constructor(
    readonly manifest: ModelManifest,
    readonly device: string,
    readonly quantization: string,
    private readonly session: WorkerInferenceSession,
    private readonly tokenizer: WorkerTokenizer,
  ) {}

  static async load(options: OnnxEncoderOptions): Promise<OnnxTextEncoder> {
    const manifestPath = join(options.modelDir, 'shopsense-model.json');
    const baseManifest = parseModelManifest(readJson(manifestPath, 'model manifest'), manifestPath);
    const modelPath = join(options.modelDir, options.modelFile);
    if (!existsSync(modelPath)) throw new AppError('FAILED_PRECONDITION', `model file not found at ${modelPath}`);
    const tokenizerPath = join(options.modelDir, 'tokenizer.json');
    if (!existsSync(tokenizerPath)) throw new AppError('FAILED_PRECONDITION', `tokenizer.json not found at ${tokenizerPath}; run scripts/model/fetch-model.sh or set EMBEDDING_MODEL_DIR`);
    const configPath = join(options.modelDir, 'tokenizer_config.json');
    const quantization = /int8/i.test(options.modelFile) ? 'int8' : 'fp32';
    // The quantised weights are a different model: keep their vectors apart in every cache.
    const manifest = quantization === 'fp32' ? baseManifest : { ...baseManifest, version: `${baseManifest.version}+${quantization}` };

    // Both workers load at once (about a second each); if one cannot, the other is closed.
    const [tokenizer, started] = await Promise.allSettled([
      WorkerTokenizer.create({ tokenizerFile: tokenizerPath, ...(existsSync(configPath) ? { configFile: configPath } : {}), maxLength: baseManifest.maxLength }),
      startSession(modelPath, options),
    ]);
    if (started.status === 'rejected') {
      if (tokenizer.status === 'fulfilled') await tokenizer.value.close();
      throw started.reason;
    }
    if (tokenizer.status === 'rejected') {
      await started.value.session.close();
      throw new AppError('FAILED_PRECONDITION', `the tokenizer could not load: ${(tokenizer.reason as Error).message}`, { cause: tokenizer.reason });
    }
    return new OnnxTextEncoder(manifest, started.value.device, quantization, started.value.session, tokenizer.value);
  }

  /** Inference workers started again after one died. */
  get workerRestarts(): number {
    return this.session.restarts;
  }

  /** Tokenizer workers started again after one died. */
  get tokenizerRestarts(): number {
    return this.tokenizer.restarts;
  }

  tokenize(texts: readonly string[]): Promise<number[][]> {
    return this.tokenizer.tokenize(texts);
  }

  async encode(batch: readonly number[][]): Promise<Float32Array[]> {
    const rows = batch.length;
    const length = Math.max(...batch.map((ids) => ids.length));
    const inputIds = new BigInt64Array(rows * length);
    const attention = new BigInt64Array(rows * length);
    const masks: Uint8Array[] = [];
    batch.forEach((ids, r) => {
      const mask = new Uint8Array(length);
      ids.forEach((id, t) => {
        inputIds[r * length + t] = BigInt(id);
        attention[r * length + t] = 1n;
        mask[t] = 1;
      });
      masks.push(mask);
    });
    const feeds: Record<string, { data: BigInt64Array; dims: number[] }> = {};
    for (const name of this.session.inputNames) {
      if (name === 'input_ids') feeds[name] = { data: inputIds, dims: [rows, length] };
      else if (name === 'attention_mask') feeds[name] = { data: attention, dims: [rows, length] };
      else if (name === 'token_type_ids') feeds[name] = { data: new BigInt64Array(rows * length), dims: [rows, length] };
      else throw new AppError('FAILED_PRECONDITION', `model input '${name}' is not one of input_ids, attention_mask, token_type_ids`);
    }
    const { data, dims } = await this.session.run(feeds, ['last_hidden_state', 'token_embeddings']);
    const vectors: Float32Array[] = [];
    for (let r = 0; r < rows; r++) {
      let vector: Float32Array;
      if (dims.length === 3) vector = poolRow(data, r, dims[1]!, dims[2]!, masks[r]!, this.manifest.pooling);
      else vector = Float32Array.from(data.subarray(r * dims[1]!, (r + 1) * dims[1]!)); // already pooled
      vectors.push(this.manifest.normalize ? l2Normalize(vector) : vector);
    }
    return vectors;
  }
}

/** The model on the configured device; with device=cuda and the fallback allowed, on CPU when CUDA cannot start. */
async function startSession(modelPath: string, options: OnnxEncoderOptions): Promise<{ session: WorkerInferenceSession; device: string }> {
  const sessionOptions = (providers: string[]): ort.InferenceSession.SessionOptions => ({
    executionProviders: providers,
    intraOpNumThreads: options.intraOpThreads,
    interOpNumThreads: options.interOpThreads,
    graphOptimizationLevel: 'all',
  });
  let session: WorkerInferenceSession;
  let device: string = options.device;
  if (options.device === 'cuda') {
    try {
      // Only CUDA in the list: onnxruntime must not quietly fall back to CPU.
      session = await WorkerInferenceSession.create(modelPath, sessionOptions(['cuda']));
    } catch (error) {
      const reason = `EMBEDDING_DEVICE=cuda but the CUDA execution provider could not start: ${(error as Error).message}. ` +
        'Install the CUDA 12 provider files (ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js on a machine with CUDA 12 and cuDNN 9, or see scripts/gpu/) or set EMBEDDING_DEVICE=cpu.';
      if (!options.cudaFallbackToCpu) throw new AppError('FAILED_PRECONDITION', reason, { cause: error });
      session = await WorkerInferenceSession.create(modelPath, sessionOptions(['cpu']));
      device = 'cpu (cuda unavailable, fallback configured)';
    }
  } else {
    session = await WorkerInferenceSession.create(modelPath, sessionOptions(['cpu']));
  }
  return { session, device };
}
