/**
 * bench:search — RankingService.Search at fixed request rates (open loop), in cluster and
 * standalone mode, against the bare query-embedding latency measured in the same run.
 *
 *   npm run bench:search                       (needs deploy/local/up.sh for cluster mode)
 *   BENCH_MODES=cluster BENCH_RATES=5,10,20 BENCH_DURATION_S=10 npm run bench:search
 *   BENCH_WRITE_DOC=0 …                        (a trial run: docs/benchmarks.md is left as it is)
 *
 * Per mode: start the services, index the demo catalog (data/demo-catalog/products.jsonl), give
 * BENCH_USERS shoppers a click history through CollectorService.Track (so personalised searches
 * read real user state), then
 *   1. bare embedding: BENCH_EMBED_SAMPLES single-query EmbeddingService.Embed calls (kind QUERY),
 *      one at a time, on the mode's own embedding service, before and after the load, and as many
 *      gRPC health checks on the public port (what one loopback hop costs with no work behind it);
 *   2. Search at each rate of BENCH_RATES for BENCH_DURATION_S: calls go out on a fixed schedule
 *      whatever the answers do, and latency runs from the scheduled send time (no coordinated
 *      omission); half the calls carry a user id. A rate whose p99 passes 1 s ends the ladder;
 *   3. the bare calls of 1 again, paced at the headline rate (one per 1000/rate ms): what a hop
 *      costs when it wakes idle processes, as every hop of a Search at that rate does.
 * Every query (English and Chinese, see search-queries.ts) is sent once, so neither measurement is
 * served from the embedding service's query cache.
 *
 * A rate is sustained when p99 ≤ 100 ms, no call failed and the schedule was kept (≥ 95% of the
 * rate went out). p50_ratio_to_embed = Search p50 at the highest sustained rate / bare embedding
 * p50 of the same mode. The headline (top-level fields of the last line) is the mode with the
 * higher ratio, so the target holds for both modes when it holds for the headline. When no rate is
 * sustained (a busy machine), the lowest rate stands in and `sustained` is false.
 *
 * Modes (bench/lib/deployments.ts): `cluster` (five processes, the local Kafka and Redis) and
 * `standalone` (the standalone runner in one process). Both serve the same model file (EMBEDDING_MODEL_FILE, default model.int8.onnx).
 * Writes docs/benchmarks.md; the last line printed is one JSON object.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, CollectorService, Degradation, EmbeddingKind, EmbeddingService, EventType, RankingService, type Product } from '@shopsense/contracts';
import { createGrpcClient } from '@shopsense/grpc';
import { embeddingModelDir, ensureModelFile } from '@shopsense/testing';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { MODES, prepareCatalog, until, type ModeStarter } from '../lib/deployments';
import { runOpenLoop, type OpenLoopResult } from '../lib/open-loop';
import { cpuSeconds } from '../lib/process-cpu';
import { percentile, round } from '../lib/stats';
import { QueryPool, searchQueries } from './search-queries';
import { loadDemoProducts } from '@shopsense/datasets';

const ROOT = resolve(__dirname, '../..');
const STANDALONE_FILE = join(ROOT, 'apps/standalone/src/standalone.ts');
const RATES = (process.env['BENCH_RATES'] ?? '2,5,10,20,30,40,60,80').split(',').map(Number);
const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const EMBED_SAMPLES = Number(process.env['BENCH_EMBED_SAMPLES'] ?? 100);
const USERS = Number(process.env['BENCH_USERS'] ?? 20);
const MODEL_FILE = process.env['EMBEDDING_MODEL_FILE'] ?? 'model.int8.onnx';
const CALL_TIMEOUT_MS = 5_000;
const SUSTAINED_P99_MS = 100;
const SATURATED_P99_MS = 1_000;
const insecure = grpc.credentials.createInsecure();

interface ModeResult {
  mode: string;
  description: string;
  embed: { p50: number; p99: number; samples: number; p50Before: number; p50After: number };
  /** p50 of a gRPC call that does no work (health check on the public port), one at a time: what one loopback hop costs. */
  hopP50: number;
  /**
   * The same bare calls paced at the headline rate (one per 1000/rate ms, after the load): between
   * calls both ends go idle as the services do under that load, and a call that wakes an idle
   * process costs more than one that finds it running.
   */
  paced: { intervalMs: number; embedP50: number; hopP50: number };
  rates: RateResult[];
  sustainedRate: number | null;
  headline: RateResult;
  ratio: number;
}

type RateResult = OpenLoopResult & { degradedShare: number; sustained: boolean; hops?: Hops; cpuMsPerSearch: Record<string, number> };
/** Per hop (ranking's outgoing calls by method, and the embedding service's Embed as served): calls per Search and mean ms. */
type Hops = Record<string, { perSearch: number; meanMs: number }>;
type Totals = Map<string, { sum: number; count: number }>;

/** CPU seconds used so far by each process of the deployment (NaN where it cannot be read). */
function processCpu(processes: Record<string, number | undefined>): Record<string, number> {
  return Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)]));
}

/** Sums and counts of a histogram family by a key made of its labels (none: the series is skipped), from a Prometheus text endpoint. */
async function scrape(url: string, family: string, keyOf: (labels: string) => string | undefined = (labels) => /method="([^"]*)"/.exec(labels)?.[1] ?? '?'): Promise<Totals> {
  const text = await (await fetch(url)).text();
  const totals: Totals = new Map();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${family}_(sum|count)\\{([^}]*)\\} ([0-9.eE+-]+)$`).exec(line);
    if (!match) continue;
    const method = keyOf(match[2]!);
    if (method === undefined) continue;
    const entry = totals.get(method) ?? { sum: 0, count: 0 };
    if (match[1] === 'sum') entry.sum += Number(match[3]);
    else entry.count += Number(match[3]);
    totals.set(method, entry);
  }
  return totals;
}

/**
 * Ranking's Search as served and its stages one after another (ranking_stage_seconds), its
 * outgoing calls, and the embedding service's Embed as served: together they say where a Search's
 * time goes, and what is transport (a client call's time beyond the same call as served).
 */
async function scrapeHops(metrics: { ranking: string; embedding: string }): Promise<Totals> {
  const stageOf = (labels: string) => (labels.includes('surface="search"') ? `stage ${/stage="([^"]*)"/.exec(labels)?.[1] ?? '?'}` : undefined);
  const [served, stages, client, embedding] = await Promise.all([
    scrape(metrics.ranking, 'grpc_server_handling_seconds'),
    scrape(metrics.ranking, 'ranking_stage_seconds', stageOf),
    scrape(metrics.ranking, 'grpc_client_handling_seconds'),
    scrape(metrics.embedding, 'grpc_server_handling_seconds'),
  ]);
  const totals: Totals = new Map();
  const search = served.get('Search');
  if (search) totals.set('Search (as served by ranking)', search);
  for (const [stage, t] of stages) totals.set(stage, t);
  for (const [method, t] of client) totals.set(method, t);
  const embed = embedding.get('Embed');
  if (embed) totals.set('Embed (embedding service, all callers)', embed);
  return totals;
}

function hopsBetween(before: Totals, after: Totals, searches: number): Hops {
  const hops: Hops = {};
  for (const [method, a] of after) {
    const b = before.get(method) ?? { sum: 0, count: 0 };
    const count = a.count - b.count;
    if (count > 0) hops[method] = { perSearch: round(count / searches, 2), meanMs: round(((a.sum - b.sum) / count) * 1000, 1) };
  }
  return hops;
}

/**
 * `samples` calls one at a time, each timed from its send. With `intervalMs` > 0 the calls leave on
 * a schedule of one per interval (a call running past its slot delays the next), so both ends sit
 * idle between calls, as the services do between the requests of a load at that rate.
 */
async function oneAtATime(samples: number, intervalMs: number, call: () => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < samples; i++) {
    const wait = start + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t0 = performance.now();
    await call();
    latencies.push(performance.now() - t0);
  }
  return latencies;
}

/** Bare embedding latency: one query per call, one call at a time, each query new to the service. */
async function bareEmbed(addr: string, pool: QueryPool, samples: number, intervalMs = 0): Promise<number[]> {
  const client = createGrpcClient(EmbeddingService, addr, { credentials: insecure, defaultTimeoutMs: 30_000, maxRetries: 0 });
  try {
    return await oneAtATime(samples, intervalMs, () => client.embed({ texts: [pool.take()], kind: EmbeddingKind.QUERY }));
  } finally {
    client.close();
  }
}

/**
 * gRPC health checks on `addr`, one at a time: a call with an empty request and next to no
 * handler work, so its latency is the transport's alone (both ends' gRPC stacks and the loopback).
 */
async function bareHop(addr: string, samples: number, intervalMs = 0): Promise<number[]> {
  const client = new grpc.Client(addr, insecure);
  const check = () =>
    new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', (request: Buffer) => request, (reply: Buffer) => reply, Buffer.alloc(0), (error) => (error ? reject(error) : resolve())),
    );
  try {
    return await oneAtATime(samples, intervalMs, check);
  } finally {
    client.close();
  }
}

async function benchMode(mode: string, start: ModeStarter, modelDir: string, pool: QueryPool, products: Product[]): Promise<ModeResult> {
  const log = (line: string) => process.stderr.write(`[${mode}] ${line}\n`);
  log('starting');
  const t0 = Date.now();
  const deployment = await start(modelDir, { modelFile: MODEL_FILE });
  try {
    log(`started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const ranking = createGrpcClient(RankingService, deployment.rankingAddr, { credentials: insecure, defaultTimeoutMs: CALL_TIMEOUT_MS, maxRetries: 0 });
    await prepareCatalog(deployment, products, log);

    // Shoppers with a history: each clicked a few items of one category.
    const users = Array.from({ length: USERS }, (_, u) => `bench-user-${u}-${randomBytes(3).toString('hex')}`);
    const collector = createGrpcClient(CollectorService, deployment.collectorAddr, { credentials: insecure, defaultTimeoutMs: 30_000 });
    const events = users.flatMap((userId, u) =>
      Array.from({ length: 6 }, (_, k) => {
        const product = products[(u * 53 + k) % products.length]!;
        return create(BehaviorEventSchema, { eventId: randomUUID(), type: EventType.CLICK, userId, sessionId: `s-${userId}`, itemIds: [product.id], occurredAt: timestampFromMs(Date.now()), channel: 'web' });
      }),
    );
    const tracked = await collector.track({ events });
    collector.close();
    if (tracked.accepted !== events.length) throw new Error(`Track accepted ${tracked.accepted} of ${events.length} events`);
    await until('the users\u2019 histories are applied', async () => {
      for (const userId of [users[0]!, users[users.length - 1]!]) if ((await ranking.recommend({ userId, limit: 5 }, { timeoutMs: 30_000 })).items.length === 0) return false;
      return true;
    });
    log(`${USERS} users with histories`);

    // Warm-up: code paths, connections, the model's first runs.
    for (let i = 0; i < 20; i++) await ranking.search({ query: pool.take(), userId: users[i % users.length]!, pageSize: 10 }, { timeoutMs: 30_000 });

    // A retraining that started before the model appeared (the catalog arrives in parts) can still
    // be running: wait until two probes in a row agree, so the baseline is the quiet machine's.
    let previous = Number.POSITIVE_INFINITY;
    for (let probe = 0; probe < 30; probe++) {
      const p50 = percentile(await bareEmbed(deployment.embeddingAddr, pool, 20), 50);
      if (Math.abs(p50 - previous) <= 0.15 * Math.min(p50, previous)) break;
      previous = p50;
    }
    const embedBefore = await bareEmbed(deployment.embeddingAddr, pool, EMBED_SAMPLES);
    log(`bare embedding p50 ${round(percentile(embedBefore, 50), 2)} ms`);
    const hopP50 = percentile(await bareHop(deployment.rankingAddr, EMBED_SAMPLES), 50);
    log(`bare gRPC hop (health check) p50 ${round(hopP50, 2)} ms`);

    const rates: ModeResult['rates'] = [];
    for (const rate of RATES) {
      const total = Math.round(rate * DURATION_S);
      if (pool.remaining < total + 2 * EMBED_SAMPLES) throw new Error(`not enough distinct queries left for ${rate}/s × ${DURATION_S} s`);
      const queries = Array.from({ length: total }, () => pool.take());
      const hopsBefore = deployment.metrics ? await scrapeHops(deployment.metrics) : undefined;
      const cpuBefore = processCpu(deployment.processes);
      const result = await runOpenLoop(rate, DURATION_S, async (i) => {
        const response = await ranking.search({ query: queries[i]!, ...(i % 2 === 0 ? { userId: users[i % users.length]! } : {}), pageSize: 10, channel: 'web' });
        return response.degraded.length > 0 ? `degraded:${response.degraded.map((d) => Degradation[d]).join('+')}` : 'full';
      });
      const cpuAfter = processCpu(deployment.processes);
      const cpuMsPerSearch = Object.fromEntries(Object.entries(cpuAfter).map(([name, seconds]) => [name, round(((seconds - cpuBefore[name]!) / result.requests) * 1000, 2)]));
      const degraded = Object.fromEntries(Object.entries(result.outcomes).filter(([k]) => k.startsWith('degraded:')).map(([k, n]) => [k.slice('degraded:'.length), n]));
      const degradedShare = Object.values(degraded).reduce((a, b) => a + b, 0) / result.requests;
      const sustained = result.p99 <= SUSTAINED_P99_MS && result.errors === 0 && result.sentPerS >= 0.95 * rate;
      const hops = deployment.metrics && hopsBefore ? hopsBetween(hopsBefore, await scrapeHops(deployment.metrics), total) : undefined;
      rates.push({ ...result, degradedShare, sustained, cpuMsPerSearch, ...(hops ? { hops } : {}) });
      log(`${rate}/s: p50 ${round(result.p50, 1)} ms, p99 ${round(result.p99, 1)} ms, p999 ${round(result.p999, 1)} ms, errors ${result.errors}/${result.requests}${result.errors > 0 ? ` ${JSON.stringify(result.errorKinds)}` : ''}, degraded ${round(degradedShare * 100, 1)}%${degradedShare > 0 ? ` ${JSON.stringify(degraded)}` : ''}`);
      log(`  CPU ms per Search: ${Object.entries(cpuMsPerSearch).map(([name, ms]) => `${name} ${ms}`).join(', ')}`);
      if (hops) log(`  hops: ${Object.entries(hops).map(([m, h]) => `${m} ${h.perSearch}×${h.meanMs} ms`).join(', ')}`);
      if (result.p99 > SATURATED_P99_MS) break;
    }
    ranking.close();

    const embedAfter = await bareEmbed(deployment.embeddingAddr, pool, EMBED_SAMPLES);
    const embedAll = [...embedBefore, ...embedAfter];
    const embed = { p50: percentile(embedAll, 50), p99: percentile(embedAll, 99), samples: embedAll.length, p50Before: percentile(embedBefore, 50), p50After: percentile(embedAfter, 50) };
    log(`bare embedding p50 ${round(embed.p50Before, 2)} ms before, ${round(embed.p50After, 2)} ms after the load`);
    const sustainedRows = rates.filter((r) => r.sustained);
    const headline = sustainedRows.length > 0 ? sustainedRows.reduce((a, b) => (b.ratePerS > a.ratePerS ? b : a)) : rates[0]!;
    const intervalMs = 1000 / headline.ratePerS;
    const paced = { intervalMs, embedP50: percentile(await bareEmbed(deployment.embeddingAddr, pool, EMBED_SAMPLES, intervalMs), 50), hopP50: percentile(await bareHop(deployment.rankingAddr, EMBED_SAMPLES, intervalMs), 50) };
    log(`paced at ${headline.ratePerS}/s: bare embedding p50 ${round(paced.embedP50, 2)} ms, bare gRPC hop p50 ${round(paced.hopP50, 2)} ms`);
    return { mode, description: deployment.description, embed, hopP50, paced, rates, sustainedRate: sustainedRows.length > 0 ? headline.ratePerS : null, headline, ratio: headline.p50 / embed.p50 };
  } finally {
    await deployment.stop();
    log('stopped');
  }
}

async function main(): Promise<void> {
  const modelDir = embeddingModelDir();
  ensureModelFile(modelDir, MODEL_FILE);
  const requested = (process.env['BENCH_MODES'] ?? 'cluster,standalone').split(',').map((m) => m.trim()).filter(Boolean);
  for (const mode of requested) if (!MODES[mode]) throw new Error(`BENCH_MODES: unknown mode ${mode} (cluster, standalone)`);
  const skipped: string[] = [];
  const modes = requested.filter((mode) => {
    if (mode === 'standalone' && !existsSync(STANDALONE_FILE)) {
      process.stderr.write(`[standalone] skipped: ${STANDALONE_FILE} is not there\n`);
      skipped.push(mode);
      return false;
    }
    return true;
  });
  const products = loadDemoProducts();
  const results: ModeResult[] = [];
  // Each mode is a deployment of its own (its own caches): each gets the whole pool.
  for (const mode of modes) results.push(await benchMode(mode, MODES[mode]!, modelDir, new QueryPool(searchQueries()), products));
  if (results.length === 0) throw new Error('no mode ran');

  const headline = results.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const ms = (v: number) => round(v, 1);
  const rows = results.flatMap((r) =>
    r.rates.map((x) => [r.mode, x.ratePerS, ms(x.sentPerS), x.requests, ms(x.p50), ms(x.p99), ms(x.p999), `${round((x.errors / x.requests) * 100, 2)}%`, `${round(x.degradedShare * 100, 1)}%`, x.sustained ? 'yes' : 'no']),
  );
  const table = markdownTable(['mode', 'rate/s', 'sent/s', 'requests', 'p50 ms', 'p99 ms', 'p999 ms', 'errors', 'degraded', 'sustained'], rows);
  const embedTable = markdownTable(
    ['mode', 'bare embed p50 ms', 'p99 ms', 'samples', 'p50 before / after load', 'bare gRPC hop p50 ms', 'highest sustained rate/s', 'Search p50 there ms', 'p50_ratio_to_embed'],
    results.map((r) => [r.mode, ms(r.embed.p50), ms(r.embed.p99), r.embed.samples, `${ms(r.embed.p50Before)} / ${ms(r.embed.p50After)}`, round(r.hopP50, 2), r.sustainedRate ?? 'none', ms(r.headline.p50), round(r.ratio, 2)]),
  );
  const pacedTable = markdownTable(
    ['mode', 'one call every (ms)', 'bare embed p50 ms, paced', 'back to back', 'bare gRPC hop p50 ms, paced', 'back to back', 'Search p50 / paced bare embed p50'],
    results.map((r) => [r.mode, round(r.paced.intervalMs, 1), round(r.paced.embedP50, 2), round(r.embed.p50, 2), round(r.paced.hopP50, 2), round(r.hopP50, 2), round(r.headline.p50 / r.paced.embedP50, 2)]),
  );
  const cpuNames = [...new Set(results.flatMap((r) => Object.keys(r.headline.cpuMsPerSearch)))];
  const cpuTable = markdownTable(
    ['mode', 'rate/s', ...cpuNames.map((name) => `${name} CPU ms`), 'all processes'],
    results.map((r) => [r.mode, r.headline.ratePerS, ...cpuNames.map((name) => r.headline.cpuMsPerSearch[name] ?? ''), round(Object.values(r.headline.cpuMsPerSearch).filter(Number.isFinite).reduce((a, b) => a + b, 0), 2)]),
  );
  const hopRows = results.flatMap((r) => Object.entries(r.headline.hops ?? {}).map(([method, h]) => [r.mode, r.headline.ratePerS, method, h.perSearch, h.meanMs]));
  const hopTable = hopRows.length > 0 ? markdownTable(['mode', 'rate/s', 'stage or hop (ranking client call, or Embed as served)', 'calls per Search', 'mean ms'], hopRows) : '';
  process.stdout.write(`\n${table}\n\n${embedTable}\n\n${cpuTable}\n\n${pacedTable}\n\n${hopTable}\n\n`);
  // Partial runs (BENCH_WRITE_DOC=0) leave the published section alone.
  if (process.env['BENCH_WRITE_DOC'] !== '0') {
    writeBenchmarkSection(
      'search',
      `## Search latency at fixed rates (\`npm run bench:search\`)

RankingService.Search driven open loop (calls on a fixed schedule; latency from the scheduled send time, so queueing is not hidden) at each rate for ${DURATION_S} s, page size 10, half the calls with a user id (${USERS} users with a click history). Queries: distinct English and Chinese shopper queries over the demo catalog (${products.length} products), each sent once so none is a query-cache hit. Measured once the catalog is indexed, query understanding has trained its category model (both bulk embedding work) and two bare-embedding probes of 20 calls in a row agree within 15%. Bare embedding: single-query EmbeddingService.Embed calls one at a time on the same mode's embedding service, ${EMBED_SAMPLES} before and ${EMBED_SAMPLES} after the load. Bare gRPC hop: ${EMBED_SAMPLES} health checks one at a time on the public port (ranking's, in cluster mode), a call with no work behind it. The model runs on a worker thread of the embedding service (onnxruntime-node runs a session on the calling thread). A rate is sustained with p99 ≤ ${SUSTAINED_P99_MS} ms, no errors and ≥ 95% of the calls sent on time; the ladder stops after a rate with p99 > ${SATURATED_P99_MS} ms. p999 of a few hundred calls is close to the maximum. Degraded: answered, with a degraded flag (a hop ran out of its budget, e.g. embedding past RANKING_EMBEDDING_BUDGET_MS=300). Default budgets and settings otherwise. Machine: ${machineDescription()}.

${results.map((r) => `- **${r.mode}**: ${r.description}`).join('\n')}${skipped.length > 0 ? `\n- not run: ${skipped.join(', ')} (apps/standalone not present)` : ''}

${table}

${embedTable}

CPU per Search at the headline rate, by process (Linux /proc, utime + stime over the rate's run, divided by its Searches; cluster mode includes Redis; the standalone process holds every service; the load generator is not counted):

${cpuTable}

Idle between calls: the same bare calls again after the load, ${EMBED_SAMPLES} of each, paced at the headline rate (one call every 1000/rate ms), so that both ends go idle between calls as the services do between the requests of that load. The target's ratio is against the back-to-back figure; the last column is the ratio against the paced one. The difference between the two hop figures is what waking idle processes costs, which every hop of a Search pays at these rates.

${pacedTable}
${hopTable ? `\nWhere a Search spends its time at the headline rate (cluster mode, means from the services' own metrics): ranking's Search as served; its stages, which run one after another (query: understand ∥ embed ∥ profile read; retrieve; fetch: products ∥ vectors ∥ user-state read; score: features, model, re-ranking); ranking's outgoing calls inside them (calls in one stage overlap; ranking and query understanding each ask for the query's embedding, and the embedding service computes it once for both). A call's client time beyond the bare gRPC hop above is time its answer spent on the wire or waiting for a busy event loop at either end.\n\n${hopTable}\n` : ''}
Target: Search p50 ≤ 2× the bare embedding p50 at the highest rate sustained with p99 ≤ 100 ms. Headline (the mode with the higher ratio): **${headline.mode}, ${round(headline.ratio, 2)}×** at ${headline.headline.ratePerS}/s${headline.sustainedRate === null ? ' (not sustained: no rate kept p99 ≤ 100 ms, so the lowest rate stands in)' : ''}. These machines are shared and noisy: compare only numbers from one run.`,
    );
  }
  const perMode = Object.fromEntries(
    results.map((r) => [
      r.mode,
      {
        p50_ms: ms(r.headline.p50),
        p99_ms: ms(r.headline.p99),
        p999_ms: ms(r.headline.p999),
        rate_per_s: r.headline.ratePerS,
        sustained: r.sustainedRate !== null,
        error_rate: round(r.headline.errors / r.headline.requests, 4),
        embed_p50_ms: round(r.embed.p50, 2),
        hop_p50_ms: round(r.hopP50, 2),
        paced_interval_ms: round(r.paced.intervalMs, 1),
        embed_paced_p50_ms: round(r.paced.embedP50, 2),
        hop_paced_p50_ms: round(r.paced.hopP50, 2),
        p50_ratio_to_paced_embed: round(r.headline.p50 / r.paced.embedP50, 2),
        p50_ratio_to_embed: round(r.ratio, 2),
        cpu_ms_per_search: r.headline.cpuMsPerSearch,
        rates: r.rates.map((x) => ({ rate_per_s: x.ratePerS, p50_ms: ms(x.p50), p99_ms: ms(x.p99), p999_ms: ms(x.p999), error_rate: round(x.errors / x.requests, 4), degraded_share: round(x.degradedShare, 4), cpu_ms_per_search: x.cpuMsPerSearch, ...(x.hops ? { hops: x.hops } : {}) })),
      },
    ]),
  );
  const top = perMode[headline.mode]!;
  console.log(
    JSON.stringify({
      p50_ms: top.p50_ms,
      p99_ms: top.p99_ms,
      p999_ms: top.p999_ms,
      p50_ratio_to_embed: top.p50_ratio_to_embed,
      rate_per_s: top.rate_per_s,
      sustained: top.sustained,
      error_rate: top.error_rate,
      embed_p50_ms: top.embed_p50_ms,
      headline_mode: headline.mode,
      modes: perMode,
      ...(skipped.length > 0 ? { skipped_modes: skipped } : {}),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
