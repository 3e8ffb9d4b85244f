import { DEFAULT_ADMISSION_CONFIG, loadApiKeys, type AdmissionConfig, type GrpcServerOptions } from '@shopsense/grpc';
import type { GrpcServerConfig } from '@shopsense/config';
import type { Logger, ServiceMetrics } from '@shopsense/observability';

/** Server options from the common gRPC variables (validated beforehand by checkGrpcSecurity). */
export function grpcServerOptionsFromConfig(config: GrpcServerConfig, logger: Logger, metrics: ServiceMetrics): GrpcServerOptions {
  return {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    tls: { mode: config.GRPC_TLS_MODE, certFile: config.GRPC_TLS_CERT_FILE, keyFile: config.GRPC_TLS_KEY_FILE, caFile: config.GRPC_TLS_CA_FILE },
    apiKeys: config.GRPC_AUTH_MODE === 'api-key' ? loadApiKeys(config.GRPC_API_KEYS_FILE!) : undefined,
    maxReceiveMessageBytes: config.GRPC_MAX_RECEIVE_MESSAGE_BYTES,
    maxSendMessageBytes: config.GRPC_MAX_SEND_MESSAGE_BYTES,
    shutdownGraceMs: config.GRPC_SHUTDOWN_GRACE_MS,
    reflection: config.GRPC_REFLECTION,
    ...admissionFromConfig(config),
    logger,
    metrics,
  };
}

/** The admission settings of a server from the GRPC_ADMISSION* variables; `off` takes every call. */
export function admissionFromConfig(config: {
  GRPC_ADMISSION: 'adaptive' | 'off';
  GRPC_ADMISSION_TARGET_LATENCY_MS: number;
  GRPC_ADMISSION_MIN_LIMIT: number;
  GRPC_ADMISSION_MAX_QUEUE_WAIT_MS: number;
}): { admission?: AdmissionConfig } {
  if (config.GRPC_ADMISSION === 'off') return {};
  const minLimit = config.GRPC_ADMISSION_MIN_LIMIT;
  return {
    admission: {
      ...DEFAULT_ADMISSION_CONFIG,
      minLimit,
      initialLimit: Math.max(minLimit, DEFAULT_ADMISSION_CONFIG.initialLimit),
      targetLatencyMs: config.GRPC_ADMISSION_TARGET_LATENCY_MS,
      maxQueueWaitMs: config.GRPC_ADMISSION_MAX_QUEUE_WAIT_MS,
    },
  };
}
