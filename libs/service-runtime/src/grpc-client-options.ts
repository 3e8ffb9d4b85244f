import { channelCredentials, type GrpcClientOptions } from '@shopsense/grpc';
import type { ServiceMetrics } from '@shopsense/observability';

export interface UpstreamConfig {
  UPSTREAM_TLS_MODE: 'tls' | 'mtls' | 'insecure';
  UPSTREAM_TLS_CA_FILE?: string | undefined;
  UPSTREAM_TLS_CERT_FILE?: string | undefined;
  UPSTREAM_TLS_KEY_FILE?: string | undefined;
  UPSTREAM_API_KEY?: string | undefined;
  UPSTREAM_TIMEOUT_MS: number;
}

/** Client options for calling another ShopSense service, from the common UPSTREAM_* variables. */
export function grpcClientOptionsFromConfig(config: UpstreamConfig, metrics?: ServiceMetrics): GrpcClientOptions {
  return {
    credentials: channelCredentials({ mode: config.UPSTREAM_TLS_MODE, caFile: config.UPSTREAM_TLS_CA_FILE, certFile: config.UPSTREAM_TLS_CERT_FILE, keyFile: config.UPSTREAM_TLS_KEY_FILE }),
    defaultTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    apiKey: config.UPSTREAM_API_KEY,
    ...(metrics ? { metrics } : {}),
  };
}
