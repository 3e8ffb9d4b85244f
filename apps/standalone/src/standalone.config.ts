import { resolve } from 'node:path';
import { admissionConfigShape, env, z } from '@shopsense/config';

/** The checkout's root: defaults below are relative to it, so `npm start` works from any folder. */
export const REPOSITORY_ROOT = resolve(__dirname, '../../..');

/**
 * What the standalone runner itself reads. Every service variable (RANKING_*, FEEDBACK_*, …)
 * applies too, except the addresses, ports and adapters the runner sets for its services.
 */
export const standaloneConfigSchema = z
  .object({
    SHOPSENSE_HOST: env.string('127.0.0.1'),
    SHOPSENSE_PORT: env.int({ min: 0, max: 65535, default: 50051 }),
    SHOPSENSE_METRICS_PORT: env.int({ min: 0, max: 65535, default: 9464 }),
    SHOPSENSE_DATA_DIR: env.string(resolve(REPOSITORY_ROOT, '.data/standalone')),
    /** Catalog indexed on the first start (empty data folder); `none` starts with an empty catalog. */
    SHOPSENSE_CATALOG_FILE: env.string(resolve(REPOSITORY_ROOT, 'data/demo-catalog/products.jsonl')),
    /** Experiments served (see docs); `none` runs none. */
    SHOPSENSE_EXPERIMENTS_FILE: env.string(resolve(REPOSITORY_ROOT, 'data/demo-catalog/experiments.json')),
    SHOPSENSE_SNAPSHOT_INTERVAL_S: env.int({ min: 1, max: 86_400, default: 60 }),
    /** Needed to listen beyond loopback: a file of API keys (same format as GRPC_API_KEYS_FILE). */
    SHOPSENSE_API_KEYS_FILE: env.optionalString(),
    /** A folder with model.onnx and tokenizer.json; unset: the set-up script's model (fetched on the first run). */
    EMBEDDING_MODEL_DIR: env.optionalString(),
    /** Log level of the services inside (the runner prints its own progress regardless). */
    LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'warn'),
    /** Admission control of the public server (the services inside run without). */
    ...admissionConfigShape,
  })
  .superRefine((c, ctx) => {
    const loopback = c.SHOPSENSE_HOST === '127.0.0.1' || c.SHOPSENSE_HOST === 'localhost' || c.SHOPSENSE_HOST === '::1';
    if (!loopback && !c.SHOPSENSE_API_KEYS_FILE) {
      ctx.addIssue({ code: 'custom', path: ['SHOPSENSE_API_KEYS_FILE'], message: `is required when SHOPSENSE_HOST=${c.SHOPSENSE_HOST} (beyond loopback the API must not be open to anyone)` });
    }
  });

export type StandaloneConfig = z.output<typeof standaloneConfigSchema>;
