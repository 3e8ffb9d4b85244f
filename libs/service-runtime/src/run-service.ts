import 'reflect-metadata';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { checkGrpcSecurity, ConfigError, describeConfig, loadConfig, type ConfigSchema, type GrpcServerConfig, type z } from '@shopsense/config';
import { GrpcServer } from '@shopsense/grpc';
import { createLogger, MetricsServer, ServiceMetrics, type Logger } from '@shopsense/observability';
import { grpcServerOptionsFromConfig } from './grpc-server-options';
import { GRPC_SERVICES, type ServiceRegistration } from './service-registration';

export interface ServiceDefinition<S extends ConfigSchema> {
  /** Short service name used in logs and metrics, e.g. `embedding`. */
  name: string;
  configSchema: S;
  /** The service's root Nest module, built from its validated configuration. */
  module: (config: z.output<S>, runtime: { logger: Logger; metrics: ServiceMetrics }) => DynamicModule;
}

export interface RunningService {
  grpcPort: number;
  metricsPort: number;
  app: INestApplicationContext;
  /** What the service's metrics endpoint serves (standalone re-exports some of it on its public one). */
  metrics: ServiceMetrics;
  stop(): Promise<void>;
}

/** Loads and checks configuration; throws a ConfigError naming each bad variable. */
export function loadServiceConfig<S extends ConfigSchema>(schema: S, source: NodeJS.ProcessEnv = process.env): z.output<S> {
  const config = loadConfig(schema, source);
  const problems = checkGrpcSecurity(config as unknown as GrpcServerConfig);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Starts one service: validated configuration, the Nest module, the gRPC server with the
 * module's APIs, and the metrics endpoint. Resolves once the service reports SERVING.
 */
export async function startService<S extends ConfigSchema>(definition: ServiceDefinition<S>, source: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const config = loadServiceConfig(definition.configSchema, source);
  const common = config as unknown as GrpcServerConfig;
  const logger = createLogger(definition.name, common.LOG_LEVEL);
  const metrics = new ServiceMetrics(definition.name);
  logger.info({ config: describeConfig(config as Record<string, unknown>) }, 'starting');

  const app = await NestFactory.createApplicationContext(definition.module(config, { logger, metrics }), { logger: false, abortOnError: false });
  const grpcServer = new GrpcServer(grpcServerOptionsFromConfig(common, logger, metrics));
  for (const { service, implementation } of app.get<ServiceRegistration[]>(GRPC_SERVICES)) grpcServer.addService(service, implementation as never);
  const metricsServer = new MetricsServer(metrics.registry);
  let grpcPort: number;
  let metricsPort: number;
  try {
    metricsPort = await metricsServer.start(common.METRICS_PORT, common.METRICS_HOST);
    grpcPort = await grpcServer.start();
  } catch (error) {
    await metricsServer.stop();
    await app.close();
    throw error;
  }
  logger.info({ grpc_port: grpcPort, metrics_port: metricsPort }, 'SERVING');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await grpcServer.shutdown();
      await app.close();
      await metricsServer.stop();
    })());
  return { grpcPort, metricsPort, app, metrics, stop };
}

/**
 * The `main` of a service process: starts it, stops it cleanly on SIGTERM/SIGINT (draining
 * in-flight calls), and exits non-zero with a readable message when configuration is bad.
 */
export function runService<S extends ConfigSchema>(definition: ServiceDefinition<S>): void {
  startService(definition).then(
    (running) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.stderr.write(`${definition.name}: ${signal} received, draining\n`);
        running.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`${definition.name}: shutdown failed: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    },
    (error: unknown) => {
      const message = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${definition.name}: cannot start: ${message}\n`);
      process.exit(error instanceof ConfigError ? 78 : 1);
    },
  );
}
