import { availableParallelism } from 'node:os';
import { env, grpcServerConfigShape, z } from '@shopsense/config';

/** Every variable the embedding service reads, validated at boot (see README, Configuration). */
export const embeddingConfigSchema = z.object({
  ...grpcServerConfigShape,
  /** Folder with model.onnx, tokenizer.json and shopsense-model.json (scripts/model/fetch-model.sh). */
  EMBEDDING_MODEL_DIR: env.string(),
  EMBEDDING_MODEL_FILE: env.string('model.onnx'),
  EMBEDDING_DEVICE: env.oneOf(['cpu', 'cuda'] as const, 'cpu'),
  EMBEDDING_CUDA_FALLBACK_TO_CPU: env.bool(false),
  EMBEDDING_INTRA_OP_THREADS: env.int({ min: 1, max: 256, default: availableParallelism() }),
  EMBEDDING_INTER_OP_THREADS: env.int({ min: 1, max: 64, default: 1 }),
  EMBEDDING_MAX_BATCH_SIZE: env.int({ min: 1, max: 1024, default: 32 }),
  /** Texts per batch of bulk work (indexing, training); unset: 4 on CPU, EMBEDDING_MAX_BATCH_SIZE on CUDA. */
  EMBEDDING_BULK_BATCH_SIZE: env.int({ min: 1, max: 1024 }).optional(),
  EMBEDDING_MAX_BATCH_TOKENS: env.int({ min: 64, max: 1_048_576, default: 16_384 }),
  /** Padded over real tokens per batch at most: on CPU a padded batch runs slower than its texts alone. */
  EMBEDDING_MAX_PADDING_RATIO: env.number({ min: 1, max: 100, default: 1.25 }),
  EMBEDDING_MAX_WAIT_MS: env.int({ min: 0, max: 1000, default: 3 }),
  EMBEDDING_MAX_QUEUED_TEXTS: env.int({ min: 1, max: 1_000_000, default: 2048 }),
  EMBEDDING_MAX_TEXTS_PER_REQUEST: env.int({ min: 1, max: 10_000, default: 256 }),
  EMBEDDING_MAX_TEXT_CHARS: env.int({ min: 16, max: 1_000_000, default: 8192 }),
  EMBEDDING_QUERY_CACHE_SIZE: env.int({ min: 0, max: 10_000_000, default: 50_000 }),
});

export type EmbeddingConfig = z.output<typeof embeddingConfigSchema>;
