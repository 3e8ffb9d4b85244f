import { spawnTs, type TsProcess } from './child-process';

/** Plaintext, key-less, loopback, ephemeral ports: what a test needs to reach a service. */
export const TEST_SERVICE_ENV = {
  GRPC_HOST: '127.0.0.1',
  GRPC_PORT: '0',
  GRPC_TLS_MODE: 'insecure',
  GRPC_AUTH_MODE: 'none',
  METRICS_HOST: '127.0.0.1',
  METRICS_PORT: '0',
  LOG_LEVEL: 'info',
};

export interface StartedServiceProcess extends TsProcess {
  grpcPort: number;
  metricsPort: number;
}

/**
 * Starts a service's main file and waits until it logs SERVING with its bound ports (an info
 * line: LOG_LEVEL stays at info so the line is there to wait for).
 */
export async function startServiceProcess(mainFile: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<StartedServiceProcess> {
  const process = spawnTs(mainFile, { ...TEST_SERVICE_ENV, ...env, LOG_LEVEL: 'info' });
  const line = await process.waitForLine(/"msg":"SERVING"/, timeoutMs);
  const { grpc_port, metrics_port } = JSON.parse(line) as { grpc_port: number; metrics_port: number };
  return { ...process, grpcPort: grpc_port, metricsPort: metrics_port };
}
