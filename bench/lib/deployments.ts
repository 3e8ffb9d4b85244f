/**
 * The two ways the benchmarks run ShopSense, started the same way for every benchmark that
 * drives the public API (bench:search, bench:overload):
 * - `cluster`: every service its own process (embedding, retrieval, query understanding,
 *   feedback, ranking), catalog changes and behaviour events on the local Kafka (topics of the
 *   run's own), user state in the local Redis (a key prefix of the run's own);
 * - `standalone`: the standalone runner (apps/standalone) in one process, every API on one port,
 *   embedded adapters.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { CatalogService, RankingService, type Product } from '@shopsense/contracts';
import { DEMO_CATALOG_FILE } from '@shopsense/datasets';
import { createGrpcClient } from '@shopsense/grpc';
import { deleteKeysWithPrefix, localInfrastructure, spawnTs, startServiceProcess, type TsProcess } from '@shopsense/testing';
import { standaloneInferenceThreads } from '../../apps/standalone/src/inference-threads';

/** A running deployment of one mode: where its public APIs and its embedding service answer. */
export interface Deployment {
  description: string;
  rankingAddr: string;
  collectorAddr: string;
  catalogAddr: string;
  embeddingAddr: string;
  /** Whether the catalog is still to be indexed through CatalogService (standalone indexes it on its first start). */
  needsCatalog: boolean;
  /** Prometheus endpoints of the ranking and embedding processes (cluster mode), for the per-hop breakdown. */
  metrics?: { ranking: string; embedding: string };
  /** The processes that serve a request, by name, for their CPU (bench/lib/process-cpu.ts). */
  processes: Record<string, number | undefined>;
  stop(): Promise<void>;
}

/** What every process of a deployment gets: the model file to serve and extra variables (e.g. GRPC_ADMISSION=off). */
export interface DeploymentOptions {
  modelFile: string;
  env?: NodeJS.ProcessEnv;
}

export type ModeStarter = (modelDir: string, options: DeploymentOptions) => Promise<Deployment>;

function writeKeysFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-search-keys-')), 'hmac-keys.json');
  writeFileSync(file, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }), { mode: 0o600 });
  return file;
}

export async function stopProcess(p: TsProcess | undefined): Promise<void> {
  if (!p) return;
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

/** The pid of the redis-server behind `url` when it runs on this machine (deploy/local's does); undefined otherwise. */
async function redisServerPid(url: string): Promise<number | undefined> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) return undefined;
  const redis = new Redis(url);
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    // A Redis in a container reports the pid of its own namespace: make sure it is ours.
    return Number.isInteger(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'redis-server' ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** Cluster mode: five processes, the local Kafka (topics of this run) and Redis (a key prefix of this run). */
export const startCluster: ModeStarter = async (modelDir, { modelFile, env: extra = {} }) => {
  const { brokers, redisUrl } = localInfrastructure();
  const run = randomBytes(4).toString('hex');
  const topics = { catalog: `bench.search.catalog.${run}`, events: `bench.search.events.${run}`, training: `bench.search.training.${run}`, forget: `bench.search.forget.${run}` };
  const prefix = `bench:search:${run}:`;
  const kafka = new Kafka({ clientId: `bench-search-${run}`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: topic === topics.events ? 3 : 1, replicationFactor: 1 })), waitForLeaders: true });
  const keysFile = writeKeysFile();
  const started: TsProcess[] = [];
  const kafkaEnv = { KAFKA_BROKERS: brokers.join(',') };
  const stop = async () => {
    for (const p of started.reverse()) await stopProcess(p);
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    const redis = new Redis(redisUrl);
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  };
  try {
    const metricsPorts: Record<string, number> = {};
    const processes: Record<string, number | undefined> = {};
    const start = async (main: string, env: NodeJS.ProcessEnv) => {
      const p = await startServiceProcess(main, { UPSTREAM_TLS_MODE: 'insecure', ...extra, ...env }, 180_000);
      started.push(p);
      metricsPorts[main] = p.metricsPort;
      processes[/services\/([^/]+)\//.exec(main)![1]!] = p.child.pid;
      return `127.0.0.1:${p.grpcPort}`;
    };
    // One inference thread: the embedder's share of this machine, as the chart sets it from a CPU
    // limit of 1. With a thread per core it would take both cores from the other four services.
    const embedding = await start('services/embedding/src/main.ts', { EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_MODEL_FILE: modelFile, EMBEDDING_INTRA_OP_THREADS: '1' });
    const qu = await start('services/query-understanding/src/main.ts', { ...kafkaEnv, QU_EVENT_BUS: 'kafka', QU_CATALOG_TOPIC: topics.catalog, EMBEDDING_ADDR: embedding, EMBEDDING_TLS_MODE: 'insecure' });
    const retrieval = await start('services/retrieval/src/main.ts', {
      ...kafkaEnv,
      EMBEDDING_ADDR: embedding,
      UPSTREAM_TIMEOUT_MS: '60000',
      RETRIEVAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-search-retrieval-')),
      RETRIEVAL_EVENT_BUS: 'kafka',
      RETRIEVAL_CATALOG_TOPIC: topics.catalog,
      RETRIEVAL_CONSUMER_GROUP: `bench-search-retrieval-${run}`,
    });
    const feedback = await start('services/feedback/src/main.ts', {
      ...kafkaEnv,
      REDIS_URL: redisUrl,
      RETRIEVAL_ADDR: retrieval,
      FEEDBACK_HMAC_KEYS_FILE: keysFile,
      FEEDBACK_EVENTS_TOPIC: topics.events,
      FEEDBACK_TRAINING_TOPIC: topics.training,
      FEEDBACK_FORGET_TOPIC: topics.forget,
      FEEDBACK_CONSUMER_GROUP: `bench-search-feedback-${run}`,
      FEEDBACK_REDIS_KEY_PREFIX: prefix,
    });
    const ranking = await start('services/ranking/src/main.ts', {
      RETRIEVAL_ADDR: retrieval,
      EMBEDDING_ADDR: embedding,
      QUERY_UNDERSTANDING_ADDR: qu,
      USER_STATE_STORE: 'redis',
      REDIS_URL: redisUrl,
      RANKING_REDIS_KEY_PREFIX: prefix,
      RANKING_HMAC_KEYS_FILE: keysFile,
      RANKING_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-search-ranking-')),
      RANKING_PAGE_TOKEN_SECRETS: randomBytes(24).toString('hex'),
    });
    return {
      description: `5 processes (embedding ${modelFile} on one inference thread, retrieval with the embedded index, query understanding, feedback, ranking); Kafka ${brokers.join(',')}, Redis ${redisUrl}`,
      rankingAddr: ranking,
      collectorAddr: feedback,
      catalogAddr: retrieval,
      embeddingAddr: embedding,
      needsCatalog: true,
      metrics: { ranking: `http://127.0.0.1:${metricsPorts['services/ranking/src/main.ts']}/metrics`, embedding: `http://127.0.0.1:${metricsPorts['services/embedding/src/main.ts']}/metrics` },
      processes: { ...processes, redis: await redisServerPid(redisUrl) },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
};

/** Standalone mode: the runner of `npm start` (apps/standalone) in a process of its own. */
export const startStandaloneMode: ModeStarter = async (modelDir, { modelFile, env: extra = {} }) => {
  const runner: TsProcess = spawnTs('bench/search/standalone-runner.ts', {
    SHOPSENSE_PORT: '0',
    SHOPSENSE_METRICS_PORT: '0',
    SHOPSENSE_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-search-standalone-')),
    SHOPSENSE_CATALOG_FILE: DEMO_CATALOG_FILE,
    SHOPSENSE_EXPERIMENTS_FILE: 'none',
    EMBEDDING_MODEL_DIR: modelDir,
    EMBEDDING_MODEL_FILE: modelFile,
    LOG_LEVEL: 'warn',
    ...extra,
  });
  const line = await runner.waitForLine(/"msg":"STANDALONE_READY"/, 600_000).catch(async (error: unknown) => {
    await stopProcess(runner);
    throw error;
  });
  const { port } = JSON.parse(line) as { port: number };
  const addr = `127.0.0.1:${port}`;
  return {
    description: `one process (apps/standalone, embedding ${modelFile} on ${standaloneInferenceThreads(process.env)} inference thread(s), in-process bus, embedded index, in-memory user state), every API on one port`,
    rankingAddr: addr,
    collectorAddr: addr,
    catalogAddr: addr,
    embeddingAddr: addr,
    needsCatalog: false,
    processes: { standalone: runner.child.pid },
    stop: () => stopProcess(runner),
  };
};

export const MODES: Record<string, ModeStarter> = { cluster: startCluster, standalone: startStandaloneMode };

/**
 * Brings a started deployment to its steady state: the catalog indexed (cluster mode upserts it
 * through CatalogService), searchable, and query understanding's category model trained (bulk
 * embedding work that would otherwise be measured with the load).
 */
export async function prepareCatalog(deployment: Deployment, products: readonly Product[], log: (line: string) => void): Promise<void> {
  const insecure = grpc.credentials.createInsecure();
  if (deployment.needsCatalog) {
    const catalog = createGrpcClient(CatalogService, deployment.catalogAddr, { credentials: insecure, defaultTimeoutMs: 600_000 });
    for (let i = 0; i < products.length; i += 256) {
      const r = await catalog.upsertProducts(products.slice(i, i + 256).map((product) => ({ product })));
      if (r.rejections.length > 0) throw new Error(`catalog rejected ${r.rejections.length} products: ${r.rejections[0]!.reason}`);
    }
    catalog.close();
    log(`catalog of ${products.length} products upserted`);
  }
  const ranking = createGrpcClient(RankingService, deployment.rankingAddr, { credentials: insecure, defaultTimeoutMs: 30_000 });
  try {
    await until('the catalog is searchable', async () => (await ranking.search({ query: 'running shoes', pageSize: 10 })).items.length === 10);
    await until('query understanding has its category model', async () => ((await ranking.search({ query: 'running shoes', pageSize: 1 })).parsedQuery?.categories.length ?? 0) > 0);
  } finally {
    ranking.close();
  }
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
