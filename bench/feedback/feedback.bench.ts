/**
 * bench:feedback — clickstream ingestion end to end (Kafka → feedback service → Redis) against a
 * bare kafkajs consumer reading the same topic, and Redis bytes per user with a 384-d model.
 *
 *   npm run bench:feedback            (starts the local Kafka with deploy/local/up.sh if it is not running)
 *   BENCH_EVENTS=200000 BENCH_USERS=100000 npm run bench:feedback
 *
 * Phases, all on one 6-partition topic:
 *   1. bare end to end: a bare consumer group is running; produce N events; time until its lag is 0;
 *   2. feedback drain: the service starts on the N events already there; rate from its first commit to lag 0;
 *   3. feedback end to end: produce N more events (same users, new ids) while it runs; time until lag 0;
 *   4. bare drain: a new bare group reads the 2N events; rate from its first commit to lag 0;
 *   5. standalone: N events through Track into the standalone runner (standalone-phase.ts).
 * The ratio is (3) / (1), as the issue defines it (produce N, wait for zero lag); the drain ratio
 * (2) / (4) compares the consumers alone. During (1) and (3) the CPU of every process involved
 * (this one, which produces; the consumer; Redis; the local broker) is read from /proc, so the
 * report says how busy the machine was and how many cores the target rate would take.
 * The service runs as its own process with its production defaults, against a private
 * redis-server (so memory is measured without other tenants) and a stand-in retrieval service
 * that serves deterministic 384-d item vectors.
 * Writes docs/benchmarks.md; the last line printed is one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { toBinary } from '@bufbuild/protobuf';
import { BehaviorEventSchema, type BehaviorEvent } from '@shopsense/contracts';
import { CONTENT_TYPE_HEADER, KafkaEventBus, PROTOBUF_CONTENT_TYPE, type RawRecord } from '@shopsense/events';
import { createLogger } from '@shopsense/observability';
import { embeddingModelDir, ensureModelFile, freePort, localInfrastructure, spawnTs, startServiceProcess, type TsProcess } from '@shopsense/testing';
import { generateClickstream } from '../../services/feedback/src/testing/clickstream.workload';
import { FakeRetrievalServer } from '../../services/feedback/src/testing/fake-retrieval.server';
import { writeHmacKeys } from '../../services/feedback/src/testing/feedback-harness';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { cpuSeconds } from '../lib/process-cpu';
import { historyOf, measureStandalone } from './standalone-phase';
import { round } from '../lib/stats';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 200_000);
const USERS = Number(process.env['BENCH_USERS'] ?? 100_000);
/** History sent through ImportEvents in the standalone section. */
const BACKFILL_EVENTS = Number(process.env['BENCH_BACKFILL_EVENTS'] ?? 1_000_000);
const DIMENSION = 384;
const PARTITIONS = 6;
const { brokers } = localInfrastructure();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => process.stderr.write(`bench:feedback: ${message}\n`);


async function privateRedis(): Promise<{ url: string; process: ChildProcess; client: Redis }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch (error) {
      probe.disconnect();
      if (i > 50) throw new Error(`redis-server did not start: ${String(error)}`);
      await sleep(100);
    }
  }
  const client = new Redis(`redis://127.0.0.1:${port}`);
  client.on('error', (error: Error) => log(`private Redis: ${error.message}`)); // handled: ioredis otherwise prints 'Unhandled error event'
  return { url: `redis://127.0.0.1:${port}`, process: child, client };
}

async function lagOf(admin: Admin, group: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
  const done = new Map(committed[0]!.partitions.map((p) => [p.partition, Number(p.offset)]));
  return ends.reduce((lag, p) => lag + Number(p.high) - Math.max(0, done.get(p.partition) ?? 0), 0);
}

async function waitForZeroLag(admin: Admin, group: string, topic: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await lagOf(admin, group, topic)) > 0) {
    if (Date.now() > deadline) throw new Error(`group ${group} did not catch up within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Drain rate: from the first commit of a group facing a backlog to zero lag (start-up excluded for both consumers). */
async function drainRate(admin: Admin, group: string, topic: string): Promise<number> {
  const backlog = await lagOf(admin, group, topic);
  let first: { at: number; lag: number } | undefined;
  for (;;) {
    const lag = await lagOf(admin, group, topic);
    const now = performance.now();
    if (!first && lag < backlog) first = { at: now, lag };
    if (lag === 0) return first && now > first.at ? first.lag / ((now - first.at) / 1000) : Number.NaN;
    await sleep(100);
  }
}

/**
 * Records encoded before the clock starts: the producers of a real clickstream run elsewhere,
 * so the bench spends this machine's CPU only on sending.
 */
function encode(list: BehaviorEvent[]): RawRecord[] {
  return list.map((e) => ({ key: e.userId, value: Buffer.from(toBinary(BehaviorEventSchema, e)), headers: { [CONTENT_TYPE_HEADER]: PROTOBUF_CONTENT_TYPE } }));
}

async function produce(bus: KafkaEventBus, topic: string, records: RawRecord[]): Promise<void> {
  // A few sends in flight, as a real producer fleet would have.
  const chunks: RawRecord[][] = [];
  for (let i = 0; i < records.length; i += 2_000) chunks.push(records.slice(i, i + 2_000));
  let next = 0;
  await Promise.all(
    Array.from({ length: 3 }, async () => {
      while (next < chunks.length) await bus.publishRaw(topic, chunks[next++]!);
    }),
  );
}

async function endToEnd(admin: Admin, bus: KafkaEventBus, group: string, topic: string, list: RawRecord[]): Promise<{ rate: number; produceSeconds: number; seconds: number }> {
  const started = performance.now();
  await produce(bus, topic, list);
  const produceSeconds = (performance.now() - started) / 1000;
  await waitForZeroLag(admin, group, topic);
  const seconds = (performance.now() - started) / 1000;
  log(`${group}: produced ${list.length} in ${round(produceSeconds, 2)} s, lag 0 after ${round(seconds, 2)} s`);
  return { rate: list.length / seconds, produceSeconds, seconds };
}

/** The local Kafka broker's pid (deploy/local/up.sh writes it), when the bench runs against that broker. */
function localBrokerPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(__dirname, '../../deploy/local/.work/run/kafka.pid'), 'utf8').trim());
    // A stale pid file may name another process by now.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used by each party while `work` runs, per event, and how busy that kept the
 * machine: a rate bounded by CPU shows as a machine near 100% busy. `bench` is this process (the
 * producer); other parties by pid.
 */
async function cpuDuring<T>(pids: Record<string, number | undefined>, events: number, work: () => Promise<T>): Promise<{ result: T; perEventUs: Record<string, number>; busy: number }> {
  const read = () => ({ bench: process.cpuUsage(), others: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])) });
  const before = read();
  const started = performance.now();
  const result = await work();
  const wall = (performance.now() - started) / 1000;
  const after = read();
  const benchDelta = process.cpuUsage(before.bench);
  const seconds: Record<string, number> = { 'bench (producer)': (benchDelta.user + benchDelta.system) / 1e6 };
  for (const name of Object.keys(pids)) seconds[name] = after.others[name]! - before.others[name]!;
  const known = Object.values(seconds).filter(Number.isFinite);
  return {
    result,
    perEventUs: Object.fromEntries(Object.entries(seconds).map(([name, s]) => [name, Math.round((s / events) * 1e6)])),
    busy: known.reduce((a, b) => a + b, 0) / (wall * cpus().length),
  };
}

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

async function main(): Promise<void> {
  const runId = randomUUID().slice(0, 8);
  const topic = `bench.feedback.events.${runId}`;
  const kafka = new Kafka({ clientId: 'bench-feedback', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  const bus = new KafkaEventBus({ brokers, clientId: 'bench-feedback-producer' }, createLogger('bench', 'silent'));
  const redis = await privateRedis();
  const retrieval = new FakeRetrievalServer(DIMENSION);
  const retrievalAddr = await retrieval.start();
  const children: TsProcess[] = [];
  try {
    const options = { users: USERS, items: 5_000, categories: 50, queries: 200, stepMs: 1, duplicateRate: 0.01, runId };
    const batchA = encode(generateClickstream({ ...options, events: EVENTS, startMs: Date.now() - 2 * EVENTS, seed: 1 }));
    const batchB = encode(
      generateClickstream({ ...options, events: EVENTS, startMs: Date.now() - EVENTS, seed: 2, runId: `${runId}b` }).map((e) => {
        // Same users as batch A (so profiles are updated, not created), new event ids and items.
        e.userId = e.userId.replace(`${runId}b-`, `${runId}-`);
        return e;
      }),
    );
    const memoryBefore = usedMemory(await redis.client.info('memory'));

    // 1. Bare consumer, end to end.
    const bare = spawnTs('bench/feedback/bare-consumer.ts', { TOPIC: topic, GROUP: `bare-e2e-${runId}`, KAFKA_BROKERS: brokers.join(',') });
    children.push(bare);
    await bare.waitForLine(/^ready$/);
    await produce(bus, topic, batchA.slice(0, 1));
    await waitForZeroLag(admin, `bare-e2e-${runId}`, topic);
    const broker = localBrokerPid();
    const bareCpu = await cpuDuring({ 'bare consumer': bare.child.pid, broker }, batchA.length - 1, () => endToEnd(admin, bus, `bare-e2e-${runId}`, topic, batchA.slice(1)));
    const bareRun = bareCpu.result;
    const bareE2e = bareRun.rate;
    bare.child.kill('SIGTERM');
    await bare.exited;

    // 2. The feedback service drains the backlog.
    const group = `feedback-${runId}`;
    const service = await startServiceProcess(
      'services/feedback/src/main.ts',
      {
        LOG_LEVEL: 'info',
        KAFKA_BROKERS: brokers.join(','),
        REDIS_URL: redis.url,
        FEEDBACK_HMAC_KEYS_FILE: writeHmacKeys(),
        RETRIEVAL_ADDR: retrievalAddr,
        UPSTREAM_TLS_MODE: 'insecure',
        FEEDBACK_EVENTS_TOPIC: topic,
        FEEDBACK_CONSUMER_GROUP: group,
        FEEDBACK_KAFKA_SESSION_TIMEOUT_MS: '6000',
        FEEDBACK_KAFKA_HEARTBEAT_INTERVAL_MS: '500',
        FEEDBACK_TRAINING_TOPIC: `bench.feedback.training.${runId}`,
        ...(process.env['FEEDBACK_BATCH_SIZE'] ? { FEEDBACK_BATCH_SIZE: process.env['FEEDBACK_BATCH_SIZE'] } : {}),
        ...(process.env['FEEDBACK_PARTITIONS_CONCURRENTLY'] ? { FEEDBACK_PARTITIONS_CONCURRENTLY: process.env['FEEDBACK_PARTITIONS_CONCURRENTLY'] } : {}),
      },
      120_000,
    );
    children.push(service);
    const drain = await cpuDuring({ service: service.child.pid, redis: redis.process.pid }, batchA.length, () => drainRate(admin, group, topic));
    const feedbackDrain = drain.result;
    const cpuPerEvent = drain.perEventUs;
    log(`feedback drain: ${round(feedbackDrain, 0)} events/s`);

    // 3. The feedback service, end to end.
    const feedbackCpu = await cpuDuring({ 'feedback service': service.child.pid, redis: redis.process.pid, broker }, batchB.length, () => endToEnd(admin, bus, group, topic, batchB));
    const feedbackRun = feedbackCpu.result;
    const feedbackE2e = feedbackRun.rate;

    // Memory, with every event applied: all of it, then the profiles alone (deleted and measured).
    const stats = await redisStats(redis.client);
    const memoryAfter = usedMemory(await redis.client.info('memory'));
    service.child.kill('SIGTERM');
    await service.exited;
    const profileBytes = await measureProfiles(redis.client);

    // 4. A bare consumer drains both batches.
    const bareDrainProcess = spawnTs('bench/feedback/bare-consumer.ts', { TOPIC: topic, GROUP: `bare-drain-${runId}`, KAFKA_BROKERS: brokers.join(',') });
    children.push(bareDrainProcess);
    const bareDrain = await drainRate(admin, `bare-drain-${runId}`, topic);
    bareDrainProcess.child.kill('SIGTERM');
    await bareDrainProcess.exited;

    // 5. Standalone: Track → applied in one process, with the workload's items in its catalog.
    const modelFile = process.env['EMBEDDING_MODEL_FILE'] ?? 'model.int8.onnx';
    const modelDir = embeddingModelDir();
    ensureModelFile(modelDir, modelFile);
    const standaloneRun = `${runId}s`;
    const standalone = await measureStandalone({
      events: generateClickstream({ ...options, runId: standaloneRun, events: EVENTS, startMs: Date.now() - EVENTS, seed: 3 }),
      history: historyOf({ ...options, runId: standaloneRun }, BACKFILL_EVENTS),
      runId: standaloneRun,
      categories: options.categories,
      items: options.items,
      modelDir,
      modelFile,
      log,
    });

    const ratio = feedbackE2e / bareE2e;
    // What the target would take: every party's CPU per event (end-to-end phase) at half the bare rate, in cores.
    const e2eUsPerEvent = Object.values(feedbackCpu.perEventUs).filter(Number.isFinite).reduce((a, b) => a + b, 0);
    const coresAtTarget = (e2eUsPerEvent * (bareE2e / 2)) / 1e6;
    const cpuRows = [
      ['bare consumer, end to end', ...cpuColumns(bareCpu.perEventUs), `${Math.round(bareCpu.busy * 100)}%`],
      ['feedback service, end to end', ...cpuColumns(feedbackCpu.perEventUs), `${Math.round(feedbackCpu.busy * 100)}%`],
    ];
    const drainRatio = feedbackDrain / bareDrain;
    const bytesPerUser = profileBytes.bytes / profileBytes.profiles;
    const totalPerUser = (memoryAfter - memoryBefore) / stats.users;
    const rows = [
      ['bare kafkajs consumer', 'end to end (produce N, lag 0)', Math.round(bareE2e)],
      ['feedback service', 'end to end (produce N, lag 0)', Math.round(feedbackE2e)],
      ['bare kafkajs consumer', 'drain a backlog', Math.round(bareDrain)],
      ['feedback service', 'drain a backlog', Math.round(feedbackDrain)],
    ];
    writeBenchmarkSection(
      'feedback',
      `## Feedback ingestion (\`npm run bench:feedback\`)

${EVENTS.toLocaleString('en')} events per phase (impressions of 4 items 40%, clicks 30%, views 15%, add-to-cart 8%, purchases 5%, searches 2%; 1% published twice) from ${USERS.toLocaleString('en')} users over 5,000 items, protobuf binary, on a ${PARTITIONS}-partition topic of the local Kafka; the service with its production defaults (batches of 1,000 events, 6 partitions at a time) as its own process, a private redis-server, and a stand-in retrieval service serving ${DIMENSION}-d item vectors. Machine: ${machineDescription()}.

${markdownTable(['consumer', 'measure', 'events/s'], rows)}

**Ratio ${round(ratio, 3)}** end to end (target ≥ 0.5): the time from the first record produced to zero lag, for N events each. The bare consumer keeps up with the producer (all produced in ${round(bareRun.produceSeconds, 1)} s, lag 0 ${round(bareRun.seconds - bareRun.produceSeconds, 2)} s later), so its rate is the producer's and the broker's; the service is bounded by its own work (produced in ${round(feedbackRun.produceSeconds, 1)} s, lag 0 after ${round(feedbackRun.seconds, 1)} s). The drain rows show the consumers alone (from the first commit to zero lag, start-up excluded): the service applies a backlog at ${round(drainRatio, 3)} of the rate at which a bare consumer merely reads it. CPU per event while draining: ${cpuPerEvent['service']} µs in the service (decode, validate, pseudonymise, plan, encode) and ${cpuPerEvent['redis']} µs in Redis (two Lua calls per batch of 1,000); on these 2 shared cores that, plus the broker and the producer, is the ceiling.

CPU per event of each process during the two end-to-end phases (Linux /proc; broker: the local Kafka of deploy/local, blank when another broker is used), and how busy that kept the ${cpus().length} cores:

${markdownTable(['phase', 'bench (producer) µs', 'bare consumer µs', 'feedback service µs', 'Redis µs', 'broker µs', 'cores busy'], cpuRows)}

At the target (half the bare rate, ${Math.round(bareE2e / 2).toLocaleString('en')} events/s) the end-to-end phase's ${e2eUsPerEvent} µs per event would need **${round(coresAtTarget, 2)} cores** of the ${cpus().length}.

Standalone (${standalone.description}): **${Math.round(standalone.eventsPerS).toLocaleString('en')} events/s** from the first Track call to the last of ${EVENTS.toLocaleString('en')} events applied (target ≥ 20,000), Track alone acknowledging ${Math.round(standalone.trackEventsPerS).toLocaleString('en')} events/s (each call answered once its events are fsync'd to the event log); CPU per event ${standalone.cpuUsPerEvent.standalone} µs in the standalone process (Track, event log, intake, in-memory state) and ${standalone.cpuUsPerEvent.bench} µs in the Track client. Backfill of ${standalone.backfill.events.toLocaleString('en')} events of the 90 days before (the same users and items) through ImportEvents, one stream per 100,000 events: **${Math.round(standalone.backfill.eventsPerS).toLocaleString('en')} events/s** from the first sent to the last applied (target ≥ 20,000), ${standalone.backfill.cpuUsPerEvent.standalone} µs of CPU per event in the standalone process and ${standalone.backfill.cpuUsPerEvent.bench} µs in the client. The user-state snapshot after both phases (state of ${USERS.toLocaleString('en')} users' events) is ${round(standalone.snapshot.bytes / 1e6, 1)} MB and held the process for **${Math.round(standalone.snapshot.stallSeconds * 1000)} ms** while encoding (every service in the process waits; one every \`SHOPSENSE_SNAPSHOT_INTERVAL_S\`, 60 s by default).

Redis memory: **${Math.round(bytesPerUser)} bytes per user profile** (${profileBytes.profiles.toLocaleString('en')} profiles, each with a ${DIMENSION}-d int8 short-term and long-term vector and up to 16 recent items; measured as the drop in \`used_memory\` when the profile hashes are deleted; target ≤ 1,024). Everything else the run left (dedup records for ${stats.events.toLocaleString('en')} distinct events, item windows, query-item and co-occurrence sets, join state) brings the total to ${Math.round(totalPerUser)} bytes per user; ${stats.keys.toLocaleString('en')} keys in all.`,
    );
    console.log(
      JSON.stringify({
        ratio: round(ratio, 3),
        events_per_s: Math.round(feedbackE2e),
        bytes_per_user: Math.round(bytesPerUser),
        bare_events_per_s: Math.round(bareE2e),
        drain_ratio: round(drainRatio, 3),
        drain_events_per_s: Math.round(feedbackDrain),
        service_cpu_us_per_event: cpuPerEvent['service'],
        redis_cpu_us_per_event: cpuPerEvent['redis'],
        bare_drain_events_per_s: Math.round(bareDrain),
        standalone_events_per_s: Math.round(standalone.eventsPerS),
        standalone_track_events_per_s: Math.round(standalone.trackEventsPerS),
        standalone_cpu_us_per_event: standalone.cpuUsPerEvent,
        standalone_backfill_events_per_s: Math.round(standalone.backfill.eventsPerS),
        standalone_backfill_cpu_us_per_event: standalone.backfill.cpuUsPerEvent,
        standalone_backfill_events: standalone.backfill.events,
        standalone_snapshot_stall_ms: Math.round(standalone.snapshot.stallSeconds * 1000),
        standalone_snapshot_mb: round(standalone.snapshot.bytes / 1e6, 1),
        e2e_cpu_us_per_event: feedbackCpu.perEventUs,
        e2e_cores_busy: round(feedbackCpu.busy * cpus().length, 2),
        cores_needed_at_target: round(coresAtTarget, 2),
        total_bytes_per_user: Math.round(totalPerUser),
        profiles: profileBytes.profiles,
        events: EVENTS,
        users: USERS,
        dimension: DIMENSION,
      }),
    );
  } finally {
    for (const child of children) if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    await bus.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await retrieval.stop();
    redis.client.disconnect();
    redis.process.kill('SIGTERM');
  }
}

function cpuColumns(perEventUs: Record<string, number>): (string | number)[] {
  const cell = (name: string) => (Number.isFinite(perEventUs[name]) ? perEventUs[name]! : '');
  return [cell('bench (producer)'), cell('bare consumer'), cell('feedback service'), cell('redis'), cell('broker')];
}

async function redisStats(client: Redis): Promise<{ keys: number; users: number; events: number }> {
  let users = 0;
  let events = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 5_000);
    cursor = next;
    const pipeline = client.pipeline();
    const kinds: string[] = [];
    for (const key of keys) {
      if (/^ss:u:\d+$/.test(key)) {
        pipeline.hlen(key);
        kinds.push('u');
      } else if (key.startsWith('ss:dedup:')) {
        pipeline.hlen(key);
        kinds.push('d');
      }
    }
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([, n], i) => {
      if (kinds[i] === 'u') users += Number(n);
      else events += Number(n);
    });
  } while (cursor !== '0');
  return { keys: await client.dbsize(), users, events };
}

/** Deletes the profile hashes and returns how much memory that freed, per profile. */
async function measureProfiles(client: Redis): Promise<{ bytes: number; profiles: number }> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', 'ss:u:*', 'COUNT', 5_000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  let profiles = 0;
  for (const key of keys) profiles += await client.hlen(key);
  const before = usedMemory(await client.info('memory'));
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  const after = usedMemory(await client.info('memory'));
  return { bytes: before - after, profiles };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
