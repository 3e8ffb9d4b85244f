import { z } from 'zod';
import { env } from './env';

/**
 * Admission control of a gRPC server (libs/grpc admission.ts). Shared by the services and the
 * standalone runner's public server.
 */
export const admissionConfigShape = {
  GRPC_ADMISSION: env.oneOf(['adaptive', 'off'] as const, 'adaptive'),
  GRPC_ADMISSION_TARGET_LATENCY_MS: env.int({ min: 1, max: 60_000, default: 100 }),
  GRPC_ADMISSION_MIN_LIMIT: env.int({ min: 1, max: 256, default: 4 }),
  GRPC_ADMISSION_MAX_QUEUE_WAIT_MS: env.int({ min: 0, max: 60_000, default: 1_000 }),
};

/**
 * Variables every service reads: its gRPC listener, transport security, logging and metrics.
 * TLS and API-key authentication are on unless explicitly turned off, so a deployment can only
 * end up insecure by saying so.
 */
export const grpcServerConfigShape = {
  GRPC_HOST: env.string('0.0.0.0'),
  GRPC_PORT: env.int({ min: 0, max: 65535 }),
  GRPC_TLS_MODE: env.oneOf(['tls', 'mtls', 'insecure'] as const, 'tls'),
  GRPC_TLS_CERT_FILE: env.optionalString(),
  GRPC_TLS_KEY_FILE: env.optionalString(),
  GRPC_TLS_CA_FILE: env.optionalString(),
  GRPC_AUTH_MODE: env.oneOf(['api-key', 'none'] as const, 'api-key'),
  GRPC_API_KEYS_FILE: env.optionalString(),
  GRPC_MAX_RECEIVE_MESSAGE_BYTES: env.int({ min: 1024, max: 256 * 1024 * 1024, default: 4 * 1024 * 1024 }),
  GRPC_MAX_SEND_MESSAGE_BYTES: env.int({ min: 1024, max: 256 * 1024 * 1024, default: 16 * 1024 * 1024 }),
  GRPC_SHUTDOWN_GRACE_MS: env.int({ min: 0, max: 600_000, default: 15_000 }),
  GRPC_REFLECTION: env.bool(true),
  ...admissionConfigShape,
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  METRICS_PORT: env.int({ min: 0, max: 65535, default: 9464 }),
  METRICS_HOST: env.string('0.0.0.0'),
};

/** Cross-field rules that a per-variable schema cannot express. */
export function checkGrpcSecurity(config: {
  GRPC_TLS_MODE: string;
  GRPC_TLS_CERT_FILE?: string | undefined;
  GRPC_TLS_KEY_FILE?: string | undefined;
  GRPC_TLS_CA_FILE?: string | undefined;
  GRPC_AUTH_MODE: string;
  GRPC_API_KEYS_FILE?: string | undefined;
}): { variable: string; problem: string }[] {
  const problems: { variable: string; problem: string }[] = [];
  if (config.GRPC_TLS_MODE !== 'insecure') {
    if (!config.GRPC_TLS_CERT_FILE) problems.push({ variable: 'GRPC_TLS_CERT_FILE', problem: `is required when GRPC_TLS_MODE=${config.GRPC_TLS_MODE} (set GRPC_TLS_MODE=insecure to turn TLS off explicitly)` });
    if (!config.GRPC_TLS_KEY_FILE) problems.push({ variable: 'GRPC_TLS_KEY_FILE', problem: `is required when GRPC_TLS_MODE=${config.GRPC_TLS_MODE}` });
  }
  if (config.GRPC_TLS_MODE === 'mtls' && !config.GRPC_TLS_CA_FILE) {
    problems.push({ variable: 'GRPC_TLS_CA_FILE', problem: 'is required when GRPC_TLS_MODE=mtls (the CA that signs client certificates)' });
  }
  if (config.GRPC_AUTH_MODE === 'api-key' && !config.GRPC_API_KEYS_FILE) {
    problems.push({ variable: 'GRPC_API_KEYS_FILE', problem: 'is required when GRPC_AUTH_MODE=api-key (set GRPC_AUTH_MODE=none to turn authentication off explicitly)' });
  }
  return problems;
}

export const grpcServerConfigSchema = z.object(grpcServerConfigShape);
export type GrpcServerConfig = z.output<typeof grpcServerConfigSchema>;

/** Kafka connection variables, shared by every service that produces or consumes events. */
export const kafkaConfigShape = {
  KAFKA_BROKERS: env.list(),
  KAFKA_CLIENT_ID: env.string('shopsense'),
  KAFKA_SSL: env.bool(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], { message: 'must be plain, scram-sha-256 or scram-sha-512' }).optional(),
  KAFKA_SASL_USERNAME: env.optionalString(),
  KAFKA_SASL_PASSWORD: env.optionalString(),
};

/**
 * How a service calls the other services (its upstreams): transport security and the API key
 * it presents. The same settings apply to every upstream of one service.
 */
export const grpcClientConfigShape = {
  UPSTREAM_TLS_MODE: env.oneOf(['tls', 'mtls', 'insecure'] as const, 'tls'),
  UPSTREAM_TLS_CA_FILE: env.optionalString(),
  UPSTREAM_TLS_CERT_FILE: env.optionalString(),
  UPSTREAM_TLS_KEY_FILE: env.optionalString(),
  UPSTREAM_API_KEY: env.optionalString(),
  UPSTREAM_TIMEOUT_MS: env.int({ min: 1, max: 600_000, default: 2_000 }),
};
