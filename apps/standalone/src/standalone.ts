import { createReadStream, existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { Gauge } from 'prom-client';
import { CatalogService, Degradation, RankingService } from '@shopsense/contracts';
import { createGrpcClient, GrpcServer, loadApiKeys } from '@shopsense/grpc';
import { InProcessEventBus, Topics } from '@shopsense/events';
import { embeddingService } from '@shopsense/embedding-service';
import { feedbackServiceWith } from '@shopsense/feedback-service';
import { createLogger, MetricsServer, ServiceMetrics } from '@shopsense/observability';
import { QueryUnderstandingLifecycle, queryUnderstandingServiceWith } from '@shopsense/query-understanding-service';
import { rankingServiceWith, WARM_UP_CHANNEL } from '@shopsense/ranking-service';
import { retrievalServiceWith } from '@shopsense/retrieval-service';
import { importCatalog } from '@shopsense/catalog-import';
import { admissionFromConfig, GRPC_SERVICES, PeriodicTask, startService, type RunningService, type ServiceDefinition, type ServiceRegistration } from '@shopsense/service-runtime';
import type { ConfigSchema } from '@shopsense/config';
import { DEFAULT_STORE_SETTINGS, loadMemoryStateSnapshot, MemoryUserStateStore, saveMemoryStateSnapshot } from '@shopsense/user-state';
import { ensureModel, openDataFolder, type DataFolder } from './first-run';
import { standaloneInferenceThreads } from './inference-threads';
import { publicTls, type StandaloneConfig } from './standalone.config';

export interface StandaloneOptions {
  /** Progress lines for a person watching the start (the services' own logs go to stdout as JSON). */
  print?: (line: string) => void;
  /** The environment the services read their own variables from (tuning such as RANKING_*). */
  environment?: NodeJS.ProcessEnv;
}

export interface RunningStandalone {
  /** The public gRPC port: every API of every service. */
  port: number;
  metricsPort: number;
  data: DataFolder;
  /** What the first start indexed (undefined when the catalog was indexed before, or none is configured). */
  catalogImport?: { accepted: number; rejected: number; seconds: number; rejectFile: string };
  /** Degradations the warm-up searches still met when it gave up waiting (empty: the first search is answered whole). */
  warmUpDegraded: string[];
  stop(): Promise<void>;
}

/** The events topic and its one consumer group: the event log's position is saved with the user state. */
const EVENTS_TOPIC = Topics.behaviorEvents.name;
const FEEDBACK_GROUP = 'shopsense-feedback';

/**
 * The variables every inside service gets: loopback, ephemeral ports, no TLS or keys between
 * them, and no admission control: the public server admits each call once, and a second limit
 * inside would only turn calls it admitted into degraded answers.
 */
const INSIDE = {
  GRPC_ADMISSION: 'off',
  GRPC_HOST: '127.0.0.1',
  GRPC_PORT: '0',
  GRPC_TLS_MODE: 'insecure',
  GRPC_AUTH_MODE: 'none',
  GRPC_REFLECTION: 'false',
  METRICS_HOST: '127.0.0.1',
  METRICS_PORT: '0',
  UPSTREAM_TLS_MODE: 'insecure',
};

/**
 * ShopSense on one machine: the five services in this process, each on its own loopback port and
 * calling the others over gRPC exactly as in a cluster, with the embedded adapters (in-process
 * event bus with a dead-letter file, embedded vector index on disk, in-memory user state saved to
 * snapshots). One public gRPC server carries every service's API on one port.
 */
export async function startStandalone(config: StandaloneConfig, options: StandaloneOptions = {}): Promise<RunningStandalone> {
  const print = options.print ?? (() => undefined);
  const logger = createLogger('standalone', config.LOG_LEVEL);
  const data = await openDataFolder(config.SHOPSENSE_DATA_DIR);
  const modelDir = await ensureModel(config.EMBEDDING_MODEL_DIR, print);

  // Tracked events are acknowledged once they are in the event log on disk; the user state is
  // saved by snapshots that record how far into the log they go, and a start replays the rest.
  const bus = new InProcessEventBus({ deadLetterFile: data.deadLetterFile, logger, durable: { dir: data.eventLogDir, topics: [EVENTS_TOPIC] } });
  const userState = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
  const restore = (file: string) =>
    loadMemoryStateSnapshot(userState, file).catch((error: Error) => {
      throw new Error(`cannot restore user state from ${file}: ${error.message} (move the file away to start with empty user state)`);
    });
  const restored = (await restore(data.userStateSnapshot)) ?? (await restore(data.legacyUserStateSnapshot));
  if (restored) print(`User state restored from the snapshot of ${restored.savedAt}`);
  for (const p of restored?.positions ?? []) bus.seek(p.topic, p.groupId, p.offset);
  const [eventLog] = await bus.open().catch((error: Error) => {
    throw new Error(`cannot open the event log in ${data.eventLogDir}: ${error.message}`);
  });
  const pending = bus.lag(EVENTS_TOPIC, FEEDBACK_GROUP);
  if (pending > 0) print(`Event log: ${pending} tracked events not in the snapshot yet; they are applied now`);
  if (eventLog && eventLog.tornBytes > 0) logger.warn({ bytes: eventLog.tornBytes }, 'event log ended in an unfinished write (never acknowledged): cut off');
  let lastSnapshot = { bytes: 0, encodeMs: 0 };
  /** Saves the user state, then drops the log segments whose events it holds. */
  const saveUserState = async () => {
    const offset = bus.committedOffset(EVENTS_TOPIC, FEEDBACK_GROUP);
    lastSnapshot = await saveMemoryStateSnapshot(userState, data.userStateSnapshot, offset === undefined ? [] : [{ topic: EVENTS_TOPIC, groupId: FEEDBACK_GROUP, offset }]);
    logger.info({ bytes: lastSnapshot.bytes, encode_ms: Math.round(lastSnapshot.encodeMs), ...userState.stats() }, 'user state saved');
    await rm(data.legacyUserStateSnapshot, { force: true });
    if (offset !== undefined) await bus.dropLogBefore(EVENTS_TOPIC, offset);
  };

  const started: RunningService[] = [];
  const stopInside = async () => {
    for (const running of started.reverse()) await running.stop().catch((error: Error) => logger.error({ err: error.message }, 'service stop failed'));
    started.length = 0;
  };
  const base = { ...(options.environment ?? process.env), LOG_LEVEL: config.LOG_LEVEL, ...INSIDE };
  const start = async <S extends ConfigSchema>(definition: ServiceDefinition<S>, variables: Record<string, string>) => {
    print(`Starting ${definition.name}…`);
    const running = await startService(definition, { ...base, ...variables });
    started.push(running);
    return running;
  };
  const address = (running: RunningService) => `127.0.0.1:${running.grpcPort}`;

  let publicServer: GrpcServer | undefined;
  let metricsServer: MetricsServer | undefined;
  let snapshots: PeriodicTask | undefined;
  try {
    const embedding = address(await start(embeddingService, { EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_INTRA_OP_THREADS: standaloneInferenceThreads(base) }));
    // Query understanding subscribes before retrieval announces the stored catalog, so its brand
    // and category dictionary is complete from the first request.
    const queryUnderstandingService = await start(queryUnderstandingServiceWith({ eventBus: bus }), { EMBEDDING_ADDR: embedding, EMBEDDING_TLS_MODE: 'insecure', QU_EVENT_BUS: 'in-process', QU_EVENT_BUS_DEAD_LETTER_FILE: data.deadLetterFile, QU_CATEGORY_CACHE_FILE: data.categoryCacheFile });
    const queryUnderstanding = address(queryUnderstandingService);
    const retrieval = address(await start(retrievalServiceWith({ eventBus: bus, announceStoredCatalog: true }), { EMBEDDING_ADDR: embedding, RETRIEVAL_DATA_DIR: data.retrievalDir, RETRIEVAL_EVENT_BUS: 'none' }));
    const feedback = await start(feedbackServiceWith({ eventBus: bus, userState }), {
      RETRIEVAL_ADDR: retrieval,
      FEEDBACK_EVENT_BUS: 'in-process',
      FEEDBACK_EVENTS_TOPIC: EVENTS_TOPIC,
      FEEDBACK_CONSUMER_GROUP: FEEDBACK_GROUP,
      FEEDBACK_STATE_STORE: 'memory',
      FEEDBACK_DEAD_LETTER_FILE: data.deadLetterFile,
      FEEDBACK_HMAC_KEYS_FILE: data.hmacKeysFile,
    });
    const ranking = await start(rankingServiceWith({ eventBus: bus, userState }), {
      RETRIEVAL_ADDR: retrieval,
      EMBEDDING_ADDR: embedding,
      QUERY_UNDERSTANDING_ADDR: queryUnderstanding,
      USER_STATE_STORE: 'memory',
      RANKING_EVENT_BUS: 'none',
      RANKING_HMAC_KEYS_FILE: data.hmacKeysFile,
      RANKING_DATA_DIR: data.rankingDir,
      RANKING_PAGE_TOKEN_SECRETS: data.pageTokenSecret,
      ...(config.SHOPSENSE_EXPERIMENTS_FILE !== 'none' ? { RANKING_EXPERIMENTS_FILE: config.SHOPSENSE_EXPERIMENTS_FILE } : {}),
    });

    const metrics = new ServiceMetrics('standalone');
    // The event path's progress on the public port too: events accepted, applied and dead-lettered, and the backlog.
    new Gauge({
      name: 'shopsense_user_state_snapshot_stall_seconds',
      help: 'How long encoding the last user-state snapshot held the process (every service waits for it).',
      registers: [metrics.registry],
      collect() {
        this.set(lastSnapshot.encodeMs / 1000);
      },
    });
    new Gauge({
      name: 'shopsense_user_state_snapshot_bytes',
      help: 'Size of the last user-state snapshot.',
      registers: [metrics.registry],
      collect() {
        this.set(lastSnapshot.bytes);
      },
    });
    const feedbackRegistry = feedback.metrics.registry;
    for (const { name } of feedbackRegistry.getMetricsAsArray()) if (name.startsWith('feedback_')) metrics.registry.registerMetric(feedbackRegistry.getSingleMetric(name)!);
    publicServer = new GrpcServer({
      host: config.SHOPSENSE_HOST,
      port: config.SHOPSENSE_PORT,
      tls: publicTls(config),
      apiKeys: config.SHOPSENSE_API_KEYS_FILE ? loadApiKeys(config.SHOPSENSE_API_KEYS_FILE) : undefined,
      maxReceiveMessageBytes: 16 * 1024 * 1024,
      maxSendMessageBytes: 16 * 1024 * 1024,
      shutdownGraceMs: 10_000,
      reflection: true,
      ...admissionFromConfig(config),
      logger,
      metrics,
    });
    for (const running of started) {
      for (const { service, implementation } of running.app.get<ServiceRegistration[]>(GRPC_SERVICES)) publicServer.addService(service, implementation as never);
    }
    const port = await publicServer.start();
    metricsServer = new MetricsServer(metrics.registry);
    const metricsPort = await metricsServer.start(config.SHOPSENSE_METRICS_PORT, config.SHOPSENSE_METRICS_HOST);

    // The runner's own calls go to the services inside, past the public port's TLS, keys and admission.
    const catalogImport = await importCatalogOnFirstStart(config, data, retrieval, print);
    await waitForCategoryModel(queryUnderstandingService, retrieval, print);
    const warmUpDegraded = await warmUp(address(ranking));

    snapshots = new PeriodicTask(
      'user-state snapshot',
      config.SHOPSENSE_SNAPSHOT_INTERVAL_S * 1000,
      async () => {
        userState.purgeExpired();
        await saveUserState();
      },
      logger,
    );
    snapshots.start();

    let stopping: Promise<void> | undefined;
    const [server, metricsEndpoint] = [publicServer, metricsServer];
    const stop = () =>
      (stopping ??= (async () => {
        await snapshots?.stop();
        await server.shutdown();
        await stopInside();
        await saveUserState();
        await bus.close();
        await metricsEndpoint.stop();
      })());
    return { port, metricsPort, data, ...(catalogImport ? { catalogImport } : {}), warmUpDegraded, stop };
  } catch (error) {
    await snapshots?.stop();
    await publicServer?.shutdown().catch(() => undefined);
    await metricsServer?.stop().catch(() => undefined);
    await stopInside();
    await bus.close().catch(() => undefined);
    throw error;
  }
}

const CATEGORY_MODEL_WAIT_MS = 120_000;

/**
 * Waits until query understanding has the whole catalog and its category model is trained on it
 * (at most CATEGORY_MODEL_WAIT_MS): before that, queries go to the categories of the part of the
 * catalog it has seen so far.
 */
async function waitForCategoryModel(queryUnderstanding: RunningService, retrievalAddress: string, print: (line: string) => void): Promise<void> {
  const client = createGrpcClient(CatalogService, retrievalAddress, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 30_000 });
  let products: number;
  try {
    products = Number((await client.getCatalogStats({})).products);
  } finally {
    client.close();
  }
  if (products === 0) return;
  const started = Date.now();
  const settled = await queryUnderstanding.app.get(QueryUnderstandingLifecycle).catalogSettled(products, CATEGORY_MODEL_WAIT_MS);
  if (!settled) print(`Note: query understanding did not finish learning the catalog's categories within ${CATEGORY_MODEL_WAIT_MS / 1000} s; searches guess product types less well until it does.`);
  else if (Date.now() - started > 2_000) print(`Learned the categories of ${products} products in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Degradations that only mean "still cold": a service missed its deadline while the model warmed up. */
const COLD = new Set([Degradation.QUERY_UNDERSTANDING_UNAVAILABLE, Degradation.EMBEDDING_UNAVAILABLE]);
const WARM_UP_QUERIES = ['running shoes under 100', '红色 跑鞋', 'wireless headphones'];
const WARM_UP_LIMIT_MS = 60_000;

/**
 * Searches before saying "ready", again until a round comes back without a cold degradation (or
 * WARM_UP_LIMIT_MS passes): they open the channels between the services and run the model's first,
 * slow inferences, so the user's first request is not the one that pays for them and is answered
 * whole (with its filters understood). Returns the degradations still met when it gave up.
 */
async function warmUp(rankingAddress: string): Promise<string[]> {
  const client = createGrpcClient(RankingService, rankingAddress, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 30_000 });
  const giveUpAt = Date.now() + WARM_UP_LIMIT_MS;
  try {
    for (;;) {
      const cold = new Set<string>();
      for (const query of WARM_UP_QUERIES) {
        // On the warm-up channel: search analytics do not count the system's own searches.
        const response = await client.search({ query, pageSize: 10, channel: WARM_UP_CHANNEL }).catch((error: Error) => {
          cold.add(`search failed: ${error.message}`);
          return undefined;
        });
        for (const d of response?.degraded ?? []) if (COLD.has(d)) cold.add(Degradation[d]!.toLowerCase());
      }
      if (cold.size === 0 || Date.now() >= giveUpAt) return [...cold];
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    client.close();
  }
}

/** Lines of a file, streamed (for the progress display of an import). */
async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(file)) for (const byte of chunk as Buffer) if (byte === 10) count++;
  return count;
}

/**
 * Indexes the configured catalog once: the record in the data folder says it was done, and the
 * index itself lives on disk, so a restart serves at once. Goes to the retrieval service inside,
 * with the importer `shopsense import` uses (the public port may ask for TLS and keys).
 */
async function importCatalogOnFirstStart(config: StandaloneConfig, data: DataFolder, retrievalAddress: string, print: (line: string) => void): Promise<RunningStandalone['catalogImport']> {
  if (config.SHOPSENSE_CATALOG_FILE === 'none') return undefined;
  if (existsSync(data.catalogImportRecord)) {
    const record = JSON.parse(await readFile(data.catalogImportRecord, 'utf8')) as { file: string; accepted: number };
    print(`Catalog: ${record.accepted} products from ${record.file}, indexed on the first start`);
    return undefined;
  }
  if (!existsSync(config.SHOPSENSE_CATALOG_FILE)) throw new Error(`SHOPSENSE_CATALOG_FILE=${config.SHOPSENSE_CATALOG_FILE} does not exist (set it to a catalog file, or to none)`);
  print(`Indexing ${config.SHOPSENSE_CATALOG_FILE} (first start only)…`);
  const client = createGrpcClient(CatalogService, retrievalAddress, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 600_000, apiKey: undefined });
  const started = Date.now();
  const lines = await countLines(config.SHOPSENSE_CATALOG_FILE);
  let lastPrinted = 0;
  try {
    const summary = await importCatalog(
      config.SHOPSENSE_CATALOG_FILE,
      async (products) => {
        const response = await client.upsertProducts(products.map((product) => ({ product })));
        return { accepted: Number(response.accepted), unchanged: Number(response.unchanged), rejections: response.rejections.map((r) => ({ index: Number(r.index), reason: r.reason })) };
      },
      {
        chunkSize: 128,
        // An interrupted first start resumes its import where it stopped.
        resume: true,
        stateFile: `${data.catalogImportRecord}.progress`,
        rejectFile: data.catalogRejectFile,
        onProgress: (p) => {
          if (Date.now() - lastPrinted < 2_000) return;
          lastPrinted = Date.now();
          const rate = (p.accepted + p.unchanged) / Math.max(0.001, (Date.now() - started) / 1000);
          print(`  line ${p.lines} of ${lines}  (${((100 * p.lines) / Math.max(1, lines)).toFixed(0)}%)  ${p.accepted + p.unchanged} products indexed, ${p.rejected} rejected, ${rate.toFixed(0)}/s`);
        },
      },
    );
    const seconds = (Date.now() - started) / 1000;
    await writeFile(data.catalogImportRecord, JSON.stringify({ file: config.SHOPSENSE_CATALOG_FILE, accepted: summary.accepted + summary.unchanged, rejected: summary.rejected, seconds, at: new Date().toISOString() }, null, 2));
    print(`Indexed ${summary.accepted + summary.unchanged} products in ${seconds.toFixed(1)} s${summary.rejected > 0 ? `; ${summary.rejected} rejected, see ${summary.rejectFile}` : ''}`);
    return { accepted: summary.accepted + summary.unchanged, rejected: summary.rejected, seconds, rejectFile: summary.rejectFile };
  } finally {
    client.close();
  }
}
