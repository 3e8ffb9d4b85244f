import { resolve } from 'node:path';
import { admissionConfigShape, env, z } from '@shopsense/config';
import type { ServerTlsOptions } from '@shopsense/grpc';

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
    /** Where /metrics listens: loopback unless told otherwise, whatever SHOPSENSE_HOST is. */
    SHOPSENSE_METRICS_HOST: env.string('127.0.0.1'),
    /** TLS on the public port (PEM): certificate and key, both or neither. */
    SHOPSENSE_TLS_CERT_FILE: env.optionalString(),
    SHOPSENSE_TLS_KEY_FILE: env.optionalString(),
    /** With the two above: clients must present a certificate this CA signed (mutual TLS). */
    SHOPSENSE_TLS_CLIENT_CA_FILE: env.optionalString(),
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
    const problem = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
    if (c.SHOPSENSE_TLS_CERT_FILE && !c.SHOPSENSE_TLS_KEY_FILE) problem('SHOPSENSE_TLS_KEY_FILE', 'is required when SHOPSENSE_TLS_CERT_FILE is set');
    if (c.SHOPSENSE_TLS_KEY_FILE && !c.SHOPSENSE_TLS_CERT_FILE) problem('SHOPSENSE_TLS_CERT_FILE', 'is required when SHOPSENSE_TLS_KEY_FILE is set');
    if (c.SHOPSENSE_TLS_CLIENT_CA_FILE && !c.SHOPSENSE_TLS_CERT_FILE) problem('SHOPSENSE_TLS_CERT_FILE', 'is required when SHOPSENSE_TLS_CLIENT_CA_FILE is set (mutual TLS is TLS first)');
    if (!isLoopback(c.SHOPSENSE_HOST)) {
      // Beyond loopback the API must be neither open to anyone nor readable on the wire.
      if (!c.SHOPSENSE_API_KEYS_FILE) problem('SHOPSENSE_API_KEYS_FILE', `is required when SHOPSENSE_HOST=${c.SHOPSENSE_HOST} (beyond loopback the API must not be open to anyone)`);
      if (!c.SHOPSENSE_TLS_CERT_FILE) problem('SHOPSENSE_TLS_CERT_FILE', `is required when SHOPSENSE_HOST=${c.SHOPSENSE_HOST} (beyond loopback API keys and data must not travel in clear)`);
    }
  });

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

/** The public port's TLS from the configuration: none, TLS, or mutual TLS. */
export function publicTls(c: Pick<StandaloneConfig, 'SHOPSENSE_TLS_CERT_FILE' | 'SHOPSENSE_TLS_KEY_FILE' | 'SHOPSENSE_TLS_CLIENT_CA_FILE'>): ServerTlsOptions {
  if (!c.SHOPSENSE_TLS_CERT_FILE) return { mode: 'insecure' };
  return { mode: c.SHOPSENSE_TLS_CLIENT_CA_FILE ? 'mtls' : 'tls', certFile: c.SHOPSENSE_TLS_CERT_FILE, keyFile: c.SHOPSENSE_TLS_KEY_FILE, caFile: c.SHOPSENSE_TLS_CLIENT_CA_FILE };
}

export type StandaloneConfig = z.output<typeof standaloneConfigSchema>;
