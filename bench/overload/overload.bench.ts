/**
 * bench:overload — what the public API does when asked for more than it can serve (issue 19).
 *
 *   npm run bench:overload
 *   BENCH_MODES=standalone BENCH_OPS=search BENCH_DURATION_S=5 BENCH_WRITE_DOC=0 npm run bench:overload   (a trial run)
 *
 * Each mode (bench/lib/deployments.ts: `standalone`, and `cluster` with the local Kafka and Redis)
 * is started twice with the demo catalog: with admission control (GRPC_ADMISSION=adaptive, the
 * default) and, as the baseline of the same run, without (GRPC_ADMISSION=off). For each
 * operation (Search, Recommend, Track):
 *   1. its 1× rate: the highest rate of its ladder sustained with p99 ≤ 100 ms and no error, open
 *      loop for BENCH_STEP_S per step (with admission on; a step that misses is tried once more);
 *   2. 2× and 5× that rate for BENCH_DURATION_S each, every call with a 1 s deadline. Goodput is
 *      the calls answered OK within the deadline per second, as a share of the 1× rate; refused
 *      calls (RESOURCE_EXHAUSTED) are timed from their send;
 *   3. recovery: once every call of the 5× load has answered, probes at the 1× rate for
 *      BENCH_RECOVERY_S; recovery_ms is when the last probe slower than 100 ms was sent (0: none).
 * Queries cycle through bench/search's pool (repeats hit the query-embedding cache, as a shop's
 * head queries do). The load generator shares the machine's two cores with the server: at 5× it
 * takes a real share of them, which this bench reports (client CPU ms per call) rather than hides.
 * BENCH_CONNECTIONS (default 1) spreads the calls over that many client connections.
 * Writes docs/benchmarks.md; the last line printed is one JSON object.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, CollectorService, EventType, RankingService } from '@shopsense/contracts';
import { createGrpcClient } from '@shopsense/grpc';
import { loadDemoProducts } from '@shopsense/datasets';
import { embeddingModelDir, ensureModelFile } from '@shopsense/testing';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { MODES, prepareCatalog, type Deployment } from '../lib/deployments';
import { runOpenLoop } from '../lib/open-loop';
import { percentile, round } from '../lib/stats';
import { searchQueries } from '../search/search-queries';

const REQUESTED_MODES = (process.env['BENCH_MODES'] ?? 'standalone,cluster').split(',').map((s) => s.trim()).filter(Boolean);
const OPS = (process.env['BENCH_OPS'] ?? 'search,recommend,track').split(',').map((s) => s.trim()).filter(Boolean) as Op[];
const STEP_S = Number(process.env['BENCH_STEP_S'] ?? 4);
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const RECOVERY_S = Number(process.env['BENCH_RECOVERY_S'] ?? 4);
/** Client connections the calls are spread over (one HTTP/2 connection each): does a refusal wait behind answers on a shared one? */
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 1);
const MODEL_FILE = process.env['EMBEDDING_MODEL_FILE'] ?? 'model.int8.onnx';
const DEADLINE_MS = 1_000;
const SUSTAINED_P99_MS = 100;
const LADDERS: Record<Op, number[]> = {
  search: [20, 40, 80, 120, 160, 200, 240, 320],
  recommend: [20, 40, 80, 120, 160, 200, 240, 320],
  // Capped at 400/s: 5× of more is beyond what the load generator, on the same two cores, sends
  // (at 6,000/s most calls failed in the client before the server saw them).
  track: [100, 200, 300, 400],
};
const insecure = grpc.credentials.createInsecure();

type Op = 'search' | 'recommend' | 'track';
type Call = (i: number) => Promise<unknown>;

interface CallRecord {
  sentAtMs: number;
  latencyMs: number;
  outcome: 'ok' | 'refused' | 'deadline' | 'error';
}

interface LoadResult {
  rate: number;
  sentPerS: number;
  calls: number;
  ok: number;
  okInDeadline: number;
  refused: number;
  deadline: number;
  errors: number;
  p50: number;
  p99: number;
  refusedP50Ms: number | null;
  refusedP99Ms: number | null;
  refusedMaxMs: number | null;
  clientCpuMsPerCall: number;
}

/**
 * bench/lib's open loop (call i goes out at start + i / rate whatever the earlier calls are
 * doing), keeping each call's outcome and its send time since the start, and the load
 * generator's own CPU per call.
 */
async function openLoop(rate: number, seconds: number, call: Call): Promise<{ records: CallRecord[]; sentPerS: number; cpuMsPerCall: number }> {
  const records: CallRecord[] = [];
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const run = await runOpenLoop(rate, seconds, async (i) => {
    const sentAt = performance.now();
    let outcome: CallRecord['outcome'] = 'ok';
    try {
      await call(i);
    } catch (error) {
      const code = (error as { code?: string }).code;
      outcome = code === 'RESOURCE_EXHAUSTED' ? 'refused' : code === 'DEADLINE_EXCEEDED' ? 'deadline' : 'error';
    }
    records.push({ sentAtMs: sentAt - start, latencyMs: performance.now() - sentAt, outcome });
    return outcome;
  });
  const cpu = process.cpuUsage(cpuBefore);
  return { records, sentPerS: run.sentPerS, cpuMsPerCall: (cpu.user + cpu.system) / 1000 / run.requests };
}

function summarise(rate: number, run: Awaited<ReturnType<typeof openLoop>>): LoadResult {
  const { records } = run;
  const refused = records.filter((r) => r.outcome === 'refused').map((r) => r.latencyMs);
  const all = records.map((r) => r.latencyMs);
  return {
    rate,
    sentPerS: round(run.sentPerS, 1),
    calls: records.length,
    ok: records.filter((r) => r.outcome === 'ok').length,
    okInDeadline: records.filter((r) => r.outcome === 'ok' && r.latencyMs <= DEADLINE_MS).length,
    refused: refused.length,
    deadline: records.filter((r) => r.outcome === 'deadline').length,
    errors: records.filter((r) => r.outcome === 'error').length,
    p50: round(percentile(all, 50), 1),
    p99: round(percentile(all, 99), 1),
    refusedP50Ms: refused.length > 0 ? round(percentile(refused, 50), 1) : null,
    refusedP99Ms: refused.length > 0 ? round(percentile(refused, 99), 1) : null,
    refusedMaxMs: refused.length > 0 ? round(Math.max(...refused), 1) : null,
    clientCpuMsPerCall: round(run.cpuMsPerCall, 3),
  };
}

/** The three public calls under test, each with the 1 s deadline, against one deployment. */
async function callsFor(deployment: Deployment): Promise<{ calls: Record<Op, Call>; close: () => void }> {
  // A local subchannel pool per client: each holds a connection of its own.
  const connection = { credentials: insecure, defaultTimeoutMs: DEADLINE_MS, maxRetries: 0, ...(CONNECTIONS > 1 ? { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } } : {}) };
  const rankings = Array.from({ length: CONNECTIONS }, () => createGrpcClient(RankingService, deployment.rankingAddr, connection));
  const collectors = Array.from({ length: CONNECTIONS }, () => createGrpcClient(CollectorService, deployment.collectorAddr, connection));
  const ranking = { search: (i: number, r: Parameters<(typeof rankings)[0]['search']>[0]) => rankings[i % CONNECTIONS]!.search(r), recommend: (i: number, r: Parameters<(typeof rankings)[0]['recommend']>[0]) => rankings[i % CONNECTIONS]!.recommend(r) };
  const collector = collectors[0]!;
  const queries = searchQueries();
  const products = loadDemoProducts();
  const run = randomBytes(3).toString('hex');
  const users = Array.from({ length: 200 }, (_, u) => `overload-${run}-${u}`);
  // Shoppers with a short history, so Recommend has something to personalise.
  await collector.track(
    { events: users.slice(0, 50).flatMap((userId, u) => [0, 1, 2].map((k) => create(BehaviorEventSchema, { eventId: randomUUID(), type: EventType.CLICK, userId, sessionId: `s-${userId}`, itemIds: [products[(u * 7 + k) % products.length]!.id], occurredAt: timestampFromMs(Date.now()), channel: 'web' }))) },
    { timeoutMs: 30_000 },
  );
  const calls: Record<Op, Call> = {
    search: (i) => ranking.search(i, { query: queries[i % queries.length]!, ...(i % 2 === 0 ? { userId: users[i % users.length]! } : {}), pageSize: 10, channel: 'web' }),
    recommend: (i) => ranking.recommend(i, { userId: users[i % users.length]!, limit: 10, channel: 'web' }),
    track: (i) =>
      collectors[i % CONNECTIONS]!.track({ events: [create(BehaviorEventSchema, { eventId: randomUUID(), type: EventType.CLICK, userId: users[i % users.length]!, sessionId: `s-${i % 50}`, itemIds: [products[i % products.length]!.id], occurredAt: timestampFromMs(Date.now()), channel: 'web' })] }),
  };
  return { calls, close: () => [...rankings, ...collectors].forEach((c) => c.close()) };
}

async function findOneX(op: Op, call: Call, log: (s: string) => void): Promise<number> {
  let best = LADDERS[op][0]!;
  for (const rate of LADDERS[op]) {
    // A step can miss by one noisy tail (a GC, another process): it counts as the limit only
    // when a second try misses too.
    let sustained = false;
    for (let attempt = 1; attempt <= 2 && !sustained; attempt++) {
      const r = summarise(rate, await openLoop(rate, STEP_S, call));
      sustained = r.p99 <= SUSTAINED_P99_MS && r.ok === r.calls && r.sentPerS >= 0.95 * rate;
      log(`${op} ${rate}/s: p99 ${r.p99} ms, ok ${r.ok}/${r.calls}${sustained ? '' : ` (not sustained${attempt === 1 ? ', trying again' : ''})`}`);
    }
    if (!sustained) break;
    best = rate;
  }
  return best;
}

interface OpResult {
  mode: string;
  op: Op;
  oneX: number;
  admission: { x2: LoadResult; x5: LoadResult; recoveryMs: number };
  baseline?: { x2: LoadResult; x5: LoadResult; recoveryMs: number };
}

async function overload(op: Op, oneX: number, call: Call, log: (s: string) => void) {
  await new Promise((r) => setTimeout(r, 1_000));
  const x2 = summarise(oneX * 2, await openLoop(oneX * 2, DURATION_S, call));
  log(`${op} 2× (${oneX * 2}/s): ok in deadline ${x2.okInDeadline}/${x2.calls}, refused ${x2.refused} (p50 ${x2.refusedP50Ms}, p99 ${x2.refusedP99Ms} ms), deadline ${x2.deadline}, p99 ${x2.p99} ms`);
  await new Promise((r) => setTimeout(r, 1_000));
  const x5 = summarise(oneX * 5, await openLoop(oneX * 5, DURATION_S, call));
  log(`${op} 5× (${oneX * 5}/s): ok in deadline ${x5.okInDeadline}/${x5.calls}, refused ${x5.refused} (p50 ${x5.refusedP50Ms}, p99 ${x5.refusedP99Ms} ms), deadline ${x5.deadline}, p99 ${x5.p99} ms`);
  // openLoop waits for every call of the 5× load; the probes start as soon as the last is sent,
  // so they meet whatever backlog is left.
  const probes = await openLoop(oneX, RECOVERY_S, call);
  const slow = probes.records.filter((r) => r.outcome !== 'ok' || r.latencyMs > SUSTAINED_P99_MS);
  const recoveryMs = slow.length === 0 ? 0 : round(Math.max(...slow.map((r) => r.sentAtMs)), 0);
  const byOutcome = slow.reduce<Record<string, number>>((counts, r) => ({ ...counts, [r.outcome]: (counts[r.outcome] ?? 0) + 1 }), {});
  const perSecond = Array.from({ length: RECOVERY_S }, (_, s) => probes.records.filter((r) => r.sentAtMs >= s * 1000 && r.sentAtMs < (s + 1) * 1000 && (r.outcome !== 'ok' || r.latencyMs > SUSTAINED_P99_MS)).length);
  log(`${op} recovery: ${slow.length} of ${probes.records.length} probes slower than ${SUSTAINED_P99_MS} ms or failed (${JSON.stringify(byOutcome)}; per second ${perSecond.join(', ')}), the last sent at ${recoveryMs} ms`);
  return { x2, x5, recoveryMs };
}

const goodput = (r: LoadResult, oneX: number) => round(r.okInDeadline / (r.calls / r.rate) / oneX, 3);

async function main(): Promise<void> {
  for (const mode of REQUESTED_MODES) if (!MODES[mode]) throw new Error(`BENCH_MODES: unknown mode ${mode} (cluster, standalone)`);
  const modelDir = embeddingModelDir();
  ensureModelFile(modelDir, MODEL_FILE);
  const products = loadDemoProducts();
  const results: OpResult[] = [];
  for (const mode of REQUESTED_MODES) {
    for (const admission of ['adaptive', 'off'] as const) {
      const log = (s: string) => process.stderr.write(`[${mode}, admission ${admission}] ${s}\n`);
      log('starting');
      const deployment = await MODES[mode]!(modelDir, { modelFile: MODEL_FILE, env: { GRPC_ADMISSION: admission } });
      try {
        await prepareCatalog(deployment, products, log);
        const { calls, close } = await callsFor(deployment);
        for (let i = 0; i < 20; i++) await calls.search(i).catch(() => undefined);
        for (const op of OPS) {
          if (admission === 'adaptive') {
            const oneX = await findOneX(op, calls[op], log);
            results.push({ mode, op, oneX, admission: await overload(op, oneX, calls[op], log) });
          } else {
            const row = results.find((r) => r.mode === mode && r.op === op)!;
            row.baseline = await overload(op, row.oneX, calls[op], log);
          }
        }
        close();
      } finally {
        await deployment.stop();
      }
    }
  }

  const figuresOf = (r: OpResult) => ({
    rate_1x: r.oneX,
    goodput_2x: goodput(r.admission.x2, r.oneX),
    goodput_5x: goodput(r.admission.x5, r.oneX),
    refused_p99_ms_5x: r.admission.x5.refusedP99Ms,
    refused_max_ms_5x: r.admission.x5.refusedMaxMs,
    recovery_ms: r.admission.recoveryMs,
    baseline_goodput_2x: r.baseline ? goodput(r.baseline.x2, r.oneX) : null,
    baseline_goodput_5x: r.baseline ? goodput(r.baseline.x5, r.oneX) : null,
    baseline_recovery_ms: r.baseline?.recoveryMs ?? null,
    client_cpu_ms_per_call_5x: r.admission.x5.clientCpuMsPerCall,
  });
  const figures = Object.fromEntries(REQUESTED_MODES.map((mode) => [mode, Object.fromEntries(results.filter((r) => r.mode === mode).map((r) => [r.op, figuresOf(r)]))]));
  const ratio = Math.min(...results.map((r) => goodput(r.admission.x5, r.oneX)));

  if (process.env['BENCH_WRITE_DOC'] !== '0') {
    const rows = results.flatMap((r) =>
      (['admission', 'baseline'] as const).flatMap((which) => {
        const side = r[which];
        if (!side) return [];
        return (['x2', 'x5'] as const).map((x) => {
          const l = side[x];
          return [r.mode, r.op, which === 'admission' ? 'adaptive' : 'off', `${x === 'x2' ? 2 : 5}× = ${l.rate}/s`, goodput(l, r.oneX), `${l.okInDeadline}/${l.calls}`, l.refused, l.refusedP99Ms ?? '–', l.deadline + l.errors, l.p99, x === 'x5' ? side.recoveryMs : ''];
        });
      }),
    );
    writeBenchmarkSection(
      'overload',
      [
        '## Overload (`npm run bench:overload`)',
        '',
        `Machine: ${machineDescription()}. Modes of bench/lib/deployments.ts (standalone: one process; cluster: five, with the local Kafka and Redis), demo catalog, ${MODEL_FILE}; every call with a ${DEADLINE_MS} ms deadline. 1× is the highest rate of each ladder sustained with p99 ≤ ${SUSTAINED_P99_MS} ms (admission on). Goodput: calls OK within the deadline per second / the 1× rate. Baseline: the same deployment with \`GRPC_ADMISSION=off\`, in the same run. Recovery: when the last 1×-rate probe slower than ${SUSTAINED_P99_MS} ms was sent after the 5× load.`,
        '',
        markdownTable(['mode', 'call', 'admission', 'load', 'goodput', 'OK in deadline', 'refused', 'refused p99 ms', 'deadline / other errors', 'p99 ms', 'recovery ms'], rows),
        '',
        `Target (issue 19): goodput ≥ 0.9 at 2× and ≥ 0.8 at 5×, refusals within 50 ms, recovery within 2 s. Client CPU per call at 5×: ${results.map((r) => `${r.mode} ${r.op} ${r.admission.x5.clientCpuMsPerCall} ms`).join(', ')} (the load generator shares the two cores).`,
      ].join('\n'),
    );
  }
  process.stdout.write(`${JSON.stringify({ goodput_5x_min: ratio, ...figures })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:overload failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
