import * as grpc from '@grpc/grpc-js';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { CatalogService, CollectorService, EmbeddingService, ExperimentService, QueryUnderstandingService, RankingService, RetrievalService } from '@shopsense/contracts';
import { channelCredentials, fromServiceError } from '@shopsense/grpc';
import { isAppError } from '@shopsense/errors';
import { CliError, connect, explainCallError, type ConnectionOptions } from './connection';
import type { Output } from './query-commands';

/** The public services, in the order a request meets them. */
const SERVICES = [RankingService, QueryUnderstandingService, EmbeddingService, RetrievalService, CatalogService, CollectorService, ExperimentService];

/** grpc.health.v1 answers: SERVING, NOT_SERVING, or not served at this address (a cluster's service has its own). */
export type Health = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'NOT_SERVED_HERE';
const HEALTH_STATUS: Record<number, Health> = { 0: 'UNKNOWN', 1: 'SERVING', 2: 'NOT_SERVING', 3: 'NOT_SERVED_HERE' };

export interface StatusReport {
  address: string;
  services: Record<string, Health>;
  model: { name: string; version: string; device: string; quantization: string; dimension: number } | null;
  catalog: { products: number; indexed: number } | null;
  events: { applied: number; duplicates: number; forgotten: number; deadLettered: number; backlog: number; since: string } | null;
}

// grpc.health.v1.HealthCheckRequest { string service = 1 } and HealthCheckResponse { ServingStatus status = 1 }:
// two one-field messages, encoded here rather than loading a .proto at every call.
const encodeHealthRequest = (service: string) => Buffer.from(new BinaryWriter().tag(1, WireType.LengthDelimited).string(service).finish());
function decodeHealthStatus(bytes: Buffer): number {
  const reader = new BinaryReader(bytes);
  let status = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1) status = reader.int32();
    else reader.skip(wireType);
  }
  return status;
}

/** Health of each public service at the address; rejects when nothing answers (UNAVAILABLE and the like). */
async function checkHealth(connection: ConnectionOptions): Promise<Record<string, Health>> {
  const client = new grpc.Client(connection.addr, channelCredentials({ mode: connection.tls ? 'tls' : 'insecure', caFile: connection.ca }));
  const check = (service: string) =>
    new Promise<Health>((resolve, reject) => {
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (b: Buffer) => b,
        (b: Buffer) => decodeHealthStatus(b),
        encodeHealthRequest(service),
        new grpc.Metadata(),
        { deadline: Date.now() + connection.timeoutMs },
        (error, status) => {
          if (error?.code === grpc.status.NOT_FOUND) resolve('NOT_SERVED_HERE');
          else if (error) reject(error);
          else resolve(HEALTH_STATUS[status ?? 0] ?? 'UNKNOWN');
        },
      );
    });
  try {
    const results = await Promise.all(SERVICES.map(async (s) => [s.typeName, await check(s.typeName)] as const));
    return Object.fromEntries(results);
  } catch (error) {
    // The same messages as every other command's (server down, too slow, …).
    const explained = explainCallError(fromServiceError(error as grpc.ServiceError, 'grpc.health.v1.Health/Check'), connection);
    throw explained.exitCode === 2 ? explained : new CliError(`health check failed: ${explained.message}`, 2);
  } finally {
    client.close();
  }
}

/** A part of the report from one service's RPC; null when the address does not serve that service. */
async function part<T>(served: boolean, call: () => Promise<T>, connection: ConnectionOptions): Promise<T | null> {
  if (!served) return null;
  try {
    return await call();
  } catch (error) {
    if (isAppError(error) && error.code === 'UNIMPLEMENTED') return null; // an older server
    throw explainCallError(error, connection);
  }
}

export async function collectStatus(connection: ConnectionOptions): Promise<StatusReport> {
  const services = await checkHealth(connection);
  const serves = (service: { typeName: string }) => services[service.typeName] === 'SERVING';
  const embedding = connect(EmbeddingService, connection);
  const catalog = connect(CatalogService, connection);
  const collector = connect(CollectorService, connection);
  try {
    const [model, stats, intake] = await Promise.all([
      part(serves(EmbeddingService), () => embedding.getModelInfo({}), connection),
      part(serves(CatalogService), () => catalog.getCatalogStats({}), connection),
      part(serves(CollectorService), () => collector.getIntakeStatus({}), connection),
    ]);
    return {
      address: connection.addr,
      services,
      model: model?.model ? { name: model.model.name, version: model.model.version, device: model.model.device, quantization: model.model.quantization, dimension: model.model.dimension } : null,
      catalog: stats ? { products: Number(stats.products), indexed: Number(stats.indexed) } : null,
      events: intake
        ? { applied: Number(intake.applied), duplicates: Number(intake.duplicates), forgotten: Number(intake.forgotten), deadLettered: Number(intake.deadLettered), backlog: Number(intake.backlog), since: intake.since ? timestampDate(intake.since).toISOString() : '' }
        : null,
    };
  } finally {
    embedding.close();
    catalog.close();
    collector.close();
  }
}

const count = (n: number) => n.toLocaleString('en-US');

export function formatStatus(report: StatusReport): string {
  const entries = Object.entries(report.services);
  const short = (typeName: string) => typeName.replace(/^shopsense\.(\w+)\.v\d+\./, '').replace(/Service$/, '');
  const serving = entries.filter(([, h]) => h === 'SERVING');
  const notServing = entries.filter(([, h]) => h === 'NOT_SERVING' || h === 'UNKNOWN');
  const elsewhere = entries.filter(([, h]) => h === 'NOT_SERVED_HERE');
  const lines = [`ShopSense at ${report.address}`];
  lines.push(`services  ${serving.length} serving${serving.length ? `: ${serving.map(([s]) => short(s)).join(', ')}` : ''}`);
  if (notServing.length) lines.push(`          NOT SERVING: ${notServing.map(([s, h]) => `${short(s)} (${h.toLowerCase()})`).join(', ')}`);
  if (elsewhere.length) lines.push(`          not served at this address: ${elsewhere.map(([s]) => short(s)).join(', ')}`);
  const m = report.model;
  lines.push(`model     ${m ? `${m.name} · version ${m.version} · ${m.quantization === 'none' ? 'fp32' : m.quantization} · ${m.device} · ${m.dimension} dimensions` : 'not served here'}`);
  const c = report.catalog;
  lines.push(`catalog   ${c ? `${count(c.products)} products, ${count(c.indexed)} indexed` : 'not served here'}`);
  const e = report.events;
  lines.push(
    `events    ${e ? `${count(e.applied)} applied, ${count(e.duplicates)} duplicates, ${count(e.forgotten)} forgotten, ${count(e.deadLettered)} dead-lettered; backlog ${count(e.backlog)} (since ${e.since})` : 'not served here'}`,
  );
  return lines.join('\n');
}

/** `shopsense status`: health of every service, the model, the catalog and the event path. Exit 1 when a service served here is not serving. */
export async function status(connection: ConnectionOptions, out: Output): Promise<void> {
  const report = await collectStatus(connection);
  out.write(out.json ? JSON.stringify(report) : formatStatus(report));
  if (Object.values(report.services).some((h) => h === 'NOT_SERVING' || h === 'UNKNOWN')) throw new CliError('', 1);
}
