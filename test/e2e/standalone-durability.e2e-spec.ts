/**
 * Standalone durability (issue 18, done-when 4): what Track acknowledged is never lost. Each round
 * tracks 10,000 events: half, then a wait until they are applied and a snapshot has saved them
 * (so the log is cut and the snapshot carries a position), then the other half, and a SIGKILL the
 * moment the last Track call returns. The next start replays the event log's tail on top of the
 * snapshot. After five such crashes every acknowledged event has been applied exactly once: the
 * item counters equal the number of events tracked for each item, no fewer (lost) and no more
 * (applied twice).
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, CollectorService, EventType } from '@shopsense/contracts';
import { createGrpcClient } from '@shopsense/grpc';
import { counterByLabel } from '@shopsense/testing';
import { DEFAULT_STORE_SETTINGS, encodeMemoryState, loadMemoryStateSnapshot, MemoryUserStateStore } from '@shopsense/user-state';
import { npmStart as startStandalone, runCli, signalGroup, type StartedStandalone } from './support/standalone-process';

const dataDir = mkdtempSync(join(tmpdir(), 'standalone-durability-'));
const ENV = {
  ...process.env,
  SHOPSENSE_DATA_DIR: dataDir,
  SHOPSENSE_PORT: '0',
  SHOPSENSE_METRICS_PORT: '0',
  SHOPSENSE_CATALOG_FILE: 'none',
  // Snapshots every few seconds: some rounds crash after one was taken (and the log cut), some before.
  SHOPSENSE_SNAPSHOT_INTERVAL_S: '3',
  LOG_LEVEL: 'warn',
};
const ROUNDS = 5;
const EVENTS_PER_ROUND = 10_000;
const ITEMS = 100;
const PER_CALL = 500;

/** Resolves once feedback has applied everything tracked so far (its backlog, from the public metrics, is 0). */
async function applied(metricsPort: number): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const lag = (await counterByLabel(metricsPort, 'feedback_consumer_lag', 'partition'))['0'];
    if (lag === 0) return;
    if (Date.now() > deadline) throw new Error(`the event log was not applied within 5 minutes (lag ${lag ?? 'not reported'})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Tracks events [from, to) of a round (the item of event i is i mod ITEMS); returns how many were acknowledged. */
async function track(port: number, round: number, from: number, to: number): Promise<number> {
  const client = createGrpcClient(CollectorService, `127.0.0.1:${port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 60_000 });
  let accepted = 0;
  try {
    for (let start = from; start < to; start += PER_CALL) {
      const events = Array.from({ length: PER_CALL }, (_, k) => {
        const i = start + k;
        return create(BehaviorEventSchema, { eventId: `r${round}-e${i}`, type: EventType.CLICK, userId: `user-${i % 300}`, sessionId: `s-${i % 300}`, itemIds: [`item-${i % ITEMS}`], occurredAt: timestampFromMs(Date.now()) });
      });
      accepted += Number((await client.track({ events })).accepted);
    }
  } finally {
    client.close();
  }
  return accepted;
}

describe('standalone: acknowledged events survive SIGKILL', () => {
  let running: StartedStandalone | undefined;
  /** Every start, so that a test failing half-way leaves no server behind for the next one. */
  const started: StartedStandalone[] = [];
  const npmStart = async (env: NodeJS.ProcessEnv) => {
    const standalone = await startStandalone(env);
    started.push(standalone);
    return standalone;
  };

  afterAll(async () => {
    for (const standalone of started) if (standalone.child.exitCode === null) await signalGroup(standalone, 'SIGKILL');
  });

  it(`applies every acknowledged event exactly once across ${ROUNDS} crashes`, async () => {
    let acknowledged = 0;
    const half = EVENTS_PER_ROUND / 2;
    let replays = 0;
    for (let round = 0; round < ROUNDS; round++) {
      running = await npmStart(ENV);
      // Usually every restart replays the log's tail; a snapshot that slipped in between the last
      // apply and the kill would leave nothing to replay, so the test asks for at least one.
      if (/Event log: \d+ tracked events not in the snapshot yet/.test(running.stderr())) replays++;
      acknowledged += await track(running.port, round, 0, half);
      await applied(running.metricsPort);
      await new Promise((r) => setTimeout(r, 4_000)); // past the next snapshot
      acknowledged += await track(running.port, round, half, EVENTS_PER_ROUND);
      await signalGroup(running, 'SIGKILL');
    }
    expect(acknowledged).toBe(ROUNDS * EVENTS_PER_ROUND);
    expect(replays).toBeGreaterThan(0);

    // The last start applies what the log still holds, then Ctrl-C saves it all in the snapshot.
    running = await npmStart(ENV);
    expect(running.stderr()).toMatch(/User state restored from the snapshot/);
    await applied(running.metricsPort);
    expect([0, 'SIGINT']).toContain(await signalGroup(running, 'SIGINT'));

    const store = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    await loadMemoryStateSnapshot(store, join(dataDir, 'user-state', 'snapshot.bin'));
    const itemIds = Array.from({ length: ITEMS }, (_, i) => `item-${i}`);
    const state = await store.readForRanking({ pseudonym: 'nobody', itemIds });
    const clicks = itemIds.map((id) => state.items[id]?.last24h.clicks ?? 0);
    expect(clicks).toEqual(itemIds.map(() => (ROUNDS * EVENTS_PER_ROUND) / ITEMS));
  }, 900_000);

  it('backfills history through the CLI: bad lines reported with their reasons, the rest applied once however often it runs', async () => {
    const backfillDir = mkdtempSync(join(tmpdir(), 'standalone-backfill-'));
    const env = { ...ENV, SHOPSENSE_DATA_DIR: join(backfillDir, 'data') };
    running = await npmStart(env);
    const file = join(backfillDir, 'history.jsonl');
    const start = Date.now() - 60 * 86_400_000;
    const lines = Array.from({ length: 3_000 }, (_, i) =>
      JSON.stringify({ eventId: `hist-${i}`, type: 'EVENT_TYPE_VIEW', userId: `buyer-${i % 40}`, sessionId: `s-${i % 40}`, itemIds: [`item-${i % 90}`], occurredAt: new Date(start + i * 60_000).toISOString() }),
    );
    lines.splice(1_000, 0, '{"type": "EVENT_TYPE_VIEW", "userId": "x", "itemIds": ["a"], "occurredAt": ');
    lines.splice(2_000, 0, JSON.stringify({ eventId: 'no-time', type: 'EVENT_TYPE_VIEW', userId: 'x', itemIds: ['a'] }));
    writeFileSync(file, lines.join('\n') + '\n');
    const backfill = async () => {
      const run = await runCli(['backfill', file, '--json'], { ...env, SHOPSENSE_ADDR: `127.0.0.1:${running!.port}` }, 300_000);
      const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as { accepted: number; duplicates: number; forgotten: number; rejected: { line: number; reason: string }[]; rejectedCount: number; outOfOrder: number };
      return { code: run.code, summary };
    };
    const outcomes = () => counterByLabel(running!.metricsPort, 'feedback_events_total', 'outcome', { source: 'in-process' });

    const first = await backfill();
    expect(first.code).toBe(1); // some lines were rejected: scripts can tell
    expect(first.summary).toMatchObject({ accepted: 3_000, rejectedCount: 2, outOfOrder: 0 });
    expect(first.summary.rejected).toEqual([
      { line: 1_001, reason: expect.stringMatching(/^not JSON/) },
      { line: 2_001, reason: 'occurred_at is required for imported events' },
    ]);
    await applied(running.metricsPort);
    expect(await outcomes()).toMatchObject({ applied: 3_000 });

    // The same file again: every valid event was applied, so the import counts them as
    // duplicates and publishes none; nothing is applied twice.
    const second = await backfill();
    expect(second.summary).toMatchObject({ accepted: 0, duplicates: 3_000, forgotten: 0, rejectedCount: 2 });
    await applied(running.metricsPort);
    expect(await outcomes()).toMatchObject({ applied: 3_000 });
    expect(await counterByLabel(running.metricsPort, 'feedback_events_total', 'outcome', { source: 'import' })).toMatchObject({ duplicate: 3_000 });
    expect([0, 'SIGINT']).toContain(await signalGroup(running, 'SIGINT'));
  }, 600_000);

  it('upgrades a data folder with a JSON snapshot from an older version: its state is kept, the binary file replaces it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'standalone-upgrade-'));
    const older = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    await older.apply({ dedup: [], users: [], itemCounters: [{ itemId: 'kept-item', hour: Math.floor(Date.now() / 3_600_000), impressions: 0, clicks: 7, carts: 0, purchases: 0 }], queryItems: [], cooccurrence: [], joinImpressions: [], joinLabels: [] });
    mkdirSync(join(folder, 'data', 'user-state'), { recursive: true });
    writeFileSync(join(folder, 'data', 'user-state', 'snapshot.json'), encodeMemoryState(older));

    running = await npmStart({ ...ENV, SHOPSENSE_DATA_DIR: join(folder, 'data') });
    expect(running.stderr()).toMatch(/User state restored from the snapshot/);
    expect([0, 'SIGINT']).toContain(await signalGroup(running, 'SIGINT'));
    expect(existsSync(join(folder, 'data', 'user-state', 'snapshot.json'))).toBe(false);
    const upgraded = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    await loadMemoryStateSnapshot(upgraded, join(folder, 'data', 'user-state', 'snapshot.bin'));
    expect((await upgraded.readForRanking({ pseudonym: 'nobody', itemIds: ['kept-item'] })).items['kept-item']!.last24h.clicks).toBe(7);
  }, 300_000);
});
