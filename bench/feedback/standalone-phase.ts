/**
 * The standalone section of bench:feedback: the standalone runner (apps/standalone, one process)
 * with a catalog holding every item of the workload, so that events fold real item vectors into
 * the interest vectors as in production. Events go in through Track on the public port (calls of
 * 500, a few at a time), then history through ImportEvents; each clock runs from the first event
 * sent to the moment the public metrics count every one of them finished (`feedback_events_total`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CollectorService, type BehaviorEvent } from '@shopsense/contracts';
import type { AppError } from '@shopsense/errors';
import { createGrpcClient, retryOnPushback, type ServiceClient } from '@shopsense/grpc';
import { counterByLabel, spawnTs } from '@shopsense/testing';
import { generateClickstream, workloadItem, type WorkloadOptions } from '../../services/feedback/src/testing/clickstream.workload';
import { stopProcess } from '../lib/deployments';
import { cpuSeconds } from '../lib/process-cpu';

export interface StandaloneFigures {
  /** Events per second from the first Track call to the last event applied. */
  eventsPerS: number;
  /** The user-state snapshot after both phases: its size and how long encoding it held the process. */
  snapshot: { bytes: number; stallSeconds: number };
  /** History through ImportEvents: events per second from the first sent to the last applied. */
  backfill: { events: number; eventsPerS: number; cpuUsPerEvent: { standalone: number; bench: number } };
  /** Events per second acknowledged by Track (durable in the event log). */
  trackEventsPerS: number;
  /** CPU per event: the standalone process and this one (the Track client). */
  cpuUsPerEvent: { standalone: number; bench: number };
  description: string;
}

const PER_CALL = 500;
/** Track calls in flight at once, as several producers would have (BENCH_TRACK_CONCURRENCY). */
const CONCURRENT_CALLS = Number(process.env['BENCH_TRACK_CONCURRENCY'] ?? 8);

/** Events feedback has finished with (any outcome), from the public metrics. */
async function eventsFinished(metricsPort: number): Promise<number> {
  const byOutcome = await counterByLabel(metricsPort, 'feedback_events_total', 'outcome', { source: 'in-process' });
  // Duplicates and forgotten users' events are set apart by Track and ImportEvents themselves, never published.
  const screened = async (source: string) => {
    const outcomes = await counterByLabel(metricsPort, 'feedback_events_total', 'outcome', { source });
    return (outcomes['duplicate'] ?? 0) + (outcomes['forgotten'] ?? 0);
  };
  return Object.values(byOutcome).reduce((a, b) => a + b, 0) + (await screened('track')) + (await screened('import'));
}

interface PhaseFigures {
  eventsPerS: number;
  /** Events per second of `send` alone (accepted, not yet applied). */
  sentPerS: number;
  cpuUsPerEvent: { standalone: number; bench: number };
}

/** Runs `send` for `events` events and waits until feedback has finished them all; rates and CPU per event of both processes. */
async function phase(pid: number | undefined, metricsPort: number, events: number, send: () => Promise<void>): Promise<PhaseFigures> {
  const baseline = await eventsFinished(metricsPort);
  const cpuBefore = { standalone: cpuSeconds(pid), bench: process.cpuUsage() };
  const started = performance.now();
  await send();
  const sentSeconds = (performance.now() - started) / 1000;
  while ((await eventsFinished(metricsPort)) - baseline < events) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - started) / 1000;
  const bench = process.cpuUsage(cpuBefore.bench);
  return {
    eventsPerS: events / seconds,
    sentPerS: events / sentSeconds,
    cpuUsPerEvent: { standalone: Math.round(((cpuSeconds(pid) - cpuBefore.standalone) / events) * 1e6), bench: Math.round((bench.user + bench.system) / events) },
  };
}

/** A catalog with every item the workload can name (its categories × items per category). */
function writeWorkloadCatalog(dir: string, runId: string, categories: number, items: number): string {
  const file = join(dir, 'catalog.jsonl');
  const lines: string[] = [];
  for (let c = 0; c < categories; c++) {
    for (let i = 0; i < Math.floor(items / categories); i++) {
      lines.push(JSON.stringify({ id: workloadItem(runId, c, i), title: `Category ${c} product ${i}`, brand: `Brand ${i % 20}`, categoryPath: ['Bench', `Category ${c}`], price: 10 + (i % 90), currency: 'USD' }));
    }
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Sends history through one ImportEvents stream per 100,000 events, 500 per message. */
async function importHistory(client: ServiceClient<typeof CollectorService>, history: AsyncIterable<BehaviorEvent[]>): Promise<number> {
  let accepted = 0;
  const source = history[Symbol.asyncIterator]();
  for (let finished = false; !finished; ) {
    let sent = 0;
    const chunks = async function* () {
      while (sent < 100_000) {
        const next = await source.next();
        if (next.done) {
          finished = true;
          return;
        }
        for (let i = 0; i < next.value.length; i += PER_CALL) yield { events: next.value.slice(i, i + PER_CALL) };
        sent += next.value.length;
      }
    };
    const answer = await client.importEvents(chunks(), { timeoutMs: 600_000 });
    // Every event is accounted for once: accepted, or set apart as a duplicate or a forgotten user's.
    accepted += Number(answer.accepted) + Number(answer.duplicates) + Number(answer.forgotten);
  }
  return accepted;
}

/**
 * History for the backfill: the workload's users and items over the 90 days before now, made in
 * slices of 100,000 events (a million events at once would take gigabytes in this process).
 */
export function historyOf(workload: Omit<WorkloadOptions, 'events' | 'startMs' | 'seed' | 'stepMs'>, events: number): { events: number; slices: () => AsyncIterable<BehaviorEvent[]> } {
  const slice = 100_000;
  const spanMs = 90 * 86_400_000;
  const startMs = Date.now() - spanMs - 3_600_000;
  const stepMs = Math.max(1, Math.floor(spanMs / events));
  return {
    events,
    slices: async function* () {
      for (let k = 0; k * slice < events; k++) {
        const list = generateClickstream({ ...workload, events: Math.min(slice, events - k * slice), startMs: startMs + k * slice * stepMs, stepMs, seed: 100 + k });
        // The generator numbers each slice's events and served lists from 0: keep them distinct across slices.
        for (const e of list) {
          e.eventId = `h${k}-${e.eventId}`;
          if (e.requestId) e.requestId = `h${k}-${e.requestId}`;
        }
        yield list;
      }
    },
  };
}

export async function measureStandalone(o: { events: BehaviorEvent[]; history: { events: number; slices: () => AsyncIterable<BehaviorEvent[]> }; runId: string; categories: number; items: number; modelDir: string; modelFile: string; log: (line: string) => void }): Promise<StandaloneFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-feedback-standalone-'));
  const runner = spawnTs('bench/search/standalone-runner.ts', {
    SHOPSENSE_PORT: '0',
    SHOPSENSE_METRICS_PORT: '0',
    SHOPSENSE_DATA_DIR: join(dir, 'data'),
    SHOPSENSE_CATALOG_FILE: writeWorkloadCatalog(dir, o.runId, o.categories, o.items),
    SHOPSENSE_EXPERIMENTS_FILE: 'none',
    EMBEDDING_MODEL_DIR: o.modelDir,
    EMBEDDING_MODEL_FILE: o.modelFile,
    LOG_LEVEL: 'warn',
  });
  try {
    o.log(`standalone: starting and indexing ${o.items} workload items`);
    const { port, metricsPort } = JSON.parse(await runner.waitForLine(/"msg":"STANDALONE_READY"/, 900_000)) as { port: number; metricsPort: number };
    const client = createGrpcClient(CollectorService, `127.0.0.1:${port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 120_000 });
    const calls: BehaviorEvent[][] = [];
    for (let i = 0; i < o.events.length; i += PER_CALL) calls.push(o.events.slice(i, i + PER_CALL));
    let refusals = 0;
    const track = await phase(runner.child.pid, metricsPort, o.events.length, async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENT_CALLS }, async () => {
          while (next < calls.length) {
            const events = calls[next++]!;
            // As a producer should: a call refused by admission control is sent again after the pushback (Track is idempotent).
            await retryOnPushback(() =>
              client.track({ events }).catch((error: unknown) => {
                if ((error as AppError).code === 'RESOURCE_EXHAUSTED') refusals++;
                throw error;
              }),
            );
          }
        }),
      );
    });
    o.log(`standalone: ${o.events.length} events acknowledged by Track at ${Math.round(track.sentPerS)}/s (${refusals} calls refused by admission control and sent again)`);

    // History: the same users and items, spread over the 90 days before now.
    o.log(`standalone: backfilling ${o.history.events} events through ImportEvents`);
    const backfill = await phase(runner.child.pid, metricsPort, o.history.events, async () => {
      const imported = await importHistory(client, o.history.slices());
      if (imported !== o.history.events) throw new Error(`ImportEvents accounted for ${imported} of ${o.history.events} events`);
    });
    client.close();

    // What the periodic snapshot costs at this size of state: the first one taken after the backfill.
    const snapshotBytes = () => counterByLabel(metricsPort, 'shopsense_user_state_snapshot_bytes', 'component').then((v) => v['standalone'] ?? 0);
    const bytesBefore = await snapshotBytes();
    const waitUntil = Date.now() + 75_000;
    while ((await snapshotBytes()) === bytesBefore && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 500));
    const snapshot = { bytes: await snapshotBytes(), stallSeconds: (await counterByLabel(metricsPort, 'shopsense_user_state_snapshot_stall_seconds', 'component'))['standalone'] ?? 0 };
    return {
      snapshot,
      backfill: { events: o.history.events, eventsPerS: backfill.eventsPerS, cpuUsPerEvent: backfill.cpuUsPerEvent },
      eventsPerS: track.eventsPerS,
      trackEventsPerS: track.sentPerS,
      cpuUsPerEvent: track.cpuUsPerEvent,
      description: `the standalone runner in one process (model ${o.modelFile}), ${o.items} workload items indexed from a catalog file, events through Track on its public port (${PER_CALL} per call, ${CONCURRENT_CALLS} calls at a time)`,
    };
  } finally {
    await stopProcess(runner);
  }
}
