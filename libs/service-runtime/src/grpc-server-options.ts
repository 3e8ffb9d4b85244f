import { loadApiKeys, type GrpcServerOptions } from '@shopsense/grpc';
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
    logger,
    metrics,
  };
}
