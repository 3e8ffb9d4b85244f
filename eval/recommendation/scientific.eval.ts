/**
 * eval:scientific — recommendation quality on ../shared/datasets/amazon-scientific with its
 * README's protocol (leave-last-out, full ranking, history excluded), driven only through the
 * public gRPC APIs:
 *
 *   1. the catalog goes in through CatalogService.UpsertProducts (retrieval embeds it with the
 *      real model through the embedding service);
 *   2. every user's history goes in as PURCHASE events through CollectorService.Track, with
 *      plausible recent timestamps that keep each user's order (feedback rejects events older
 *      than FEEDBACK_MAX_EVENT_AGE_S);
 *   3. once feedback has applied them all (its events counter, read from its metrics endpoint),
 *      RankingService.Recommend(user, home, exclude_seen) for every user; the held-out item's
 *      rank in the answer gives HR@k, NDCG@k and MRR.
 *
 * A popularity baseline (most frequent items of the same histories, history excluded) is scored
 * on the same split. `--split validation` holds out the second-to-last item instead (for tuning);
 * the default is the test split. `--users N` evaluates the first N users only (a quick check;
 * the events of every user are still sent). Writes docs/evaluation.md (test split, all users
 * only); the last line printed is one JSON object.
 *
 *   npm run eval:scientific [-- --split validation] [-- --users 1000]
 *   (EMBEDDING_MODEL_DIR, or the fetched default model; model.int8.onnx when present, or EMBEDDING_MODEL_FILE)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, CatalogService, CollectorService, EventType, RankingService, type BehaviorEvent } from '@shopsense/contracts';
import { leaveLastOut, loadAmazonInteractions, loadAmazonProducts, PopularityBaseline, topKMetrics, type HeldOutUser, type LeaveLastOutSplit } from '@shopsense/datasets';
import { InProcessEventBus } from '@shopsense/events';
import { createGrpcClient, retryOnPushback } from '@shopsense/grpc';
import { createLogger } from '@shopsense/observability';
import { startService, type RunningService } from '@shopsense/service-runtime';
import { counterByLabel, startServiceProcess, TEST_SERVICE_ENV, type StartedServiceProcess } from '@shopsense/testing';
import { DEFAULT_STORE_SETTINGS, MemoryUserStateStore } from '@shopsense/user-state';
import { feedbackServiceWith } from '../../services/feedback/src/feedback.service-definition';
import { rankingServiceWith } from '../../services/ranking/src/ranking.service-definition';
import { writeEvaluationSection } from '../lib/evaluation-doc';
import { seededRandom } from '@shopsense/random';

const insecure = grpc.credentials.createInsecure();
const HOUR_S = 3600;
const DAY_S = 86_400;
/** Events are placed within this many days before now (feedback accepts up to 7 days by default). */
const WINDOW_DAYS = 6;
/** Users asked for at once. */
const CONCURRENCY = 8;
const CUTOFFS = [10, 20] as const;

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Uniform numbers in [0, 1) from a seed: the same sequence on every run. */
function random(seed: number): () => number {
  return seededRandom(seed).next;
}

/**
 * One PURCHASE event per history item. The data has no timestamps, only each user's order: a
 * user's items are an hour apart (each its own session, as separate orders are), starting at a
 * random moment of the window so that users interleave and no user's sequence crosses `now`.
 */
function historyEvents(users: readonly HeldOutUser[], nowS: number): BehaviorEvent[] {
  const next = random(7);
  const events: { event: BehaviorEvent; at: number }[] = [];
  for (const user of users) {
    const span = (user.history.length - 1) * HOUR_S;
    const latestStart = nowS - 10 * 60 - span;
    const earliestStart = nowS - WINDOW_DAYS * DAY_S;
    const start = earliestStart + Math.floor(next() * Math.max(0, latestStart - earliestStart));
    user.history.forEach((itemId, i) => {
      const at = start + i * HOUR_S;
      events.push({
        at,
        event: create(BehaviorEventSchema, {
          eventId: `sci-${user.userId}-${i}`,
          type: EventType.PURCHASE,
          userId: `sci-${user.userId}`,
          sessionId: `sci-${user.userId}-s${i}`,
          occurredAt: timestampFromMs(at * 1000),
          itemIds: [itemId],
          channel: 'web',
        }),
      });
    });
  }
  // In time order, as a clickstream arrives (each user's order is kept by construction).
  return events.sort((a, b) => a.at - b.at).map((e) => e.event);
}

/** Events feedback has finished with (applied, duplicate, forgotten or dead-lettered), from its metrics. */
async function eventsProcessed(metricsPort: number): Promise<{ total: number; byOutcome: Record<string, number> }> {
  const byOutcome = await counterByLabel(metricsPort, 'feedback_events_total', 'outcome', { source: 'in-process' });
  return { total: Object.values(byOutcome).reduce((a, b) => a + b, 0), byOutcome };
}

async function mapConcurrent<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!, i);
      }
    }),
  );
  return out;
}

async function main(): Promise<void> {
  const split = (argument('split') ?? 'test') as LeaveLastOutSplit;
  if (split !== 'test' && split !== 'validation') throw new Error(`--split must be test or validation, got ${split}`);
  const products = loadAmazonProducts();
  const users = leaveLastOut(loadAmazonInteractions(), split);
  const evaluated = users.slice(0, Number(argument('users') ?? users.length));
  const cached = join(__dirname, '../../.cache/models/multilingual-e5-small');
  const modelDir =
    process.env['EMBEDDING_MODEL_DIR'] ??
    (existsSync(join(cached, 'model.onnx')) ? cached : execFileSync('bash', [join(__dirname, '../../scripts/model/fetch-model.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!);
  if (!existsSync(join(modelDir, 'model.onnx'))) throw new Error(`no embedding model in ${modelDir}: run npm run model:fetch (or set EMBEDDING_MODEL_DIR)`);
  const modelFile = process.env['EMBEDDING_MODEL_FILE'] ?? (existsSync(join(modelDir, 'model.int8.onnx')) ? 'model.int8.onnx' : 'model.onnx');
  const timings: Record<string, number> = {};
  let catalogRejected = 0;
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      timings[name] = Math.round((Date.now() - started) / 100) / 10;
    }
  };

  const work = mkdtempSync(join(tmpdir(), 'eval-scientific-'));
  const keysFile = join(work, 'hmac-keys.json');
  writeFileSync(keysFile, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  const children: StartedServiceProcess[] = [];
  const running: RunningService[] = [];
  const logger = createLogger('eval-scientific', 'warn');
  const bus = new InProcessEventBus({ deadLetterFile: join(work, 'dead-letters.jsonl'), logger });
  const userState = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
  try {
    // Embedding and retrieval as their own processes (as in cluster mode); feedback and ranking
    // in this process, sharing one in-process bus and one in-memory store (standalone mode).
    const embedding = await timed('start_embedding_s', () => startServiceProcess('services/embedding/src/main.ts', { EMBEDDING_MODEL_DIR: modelDir, EMBEDDING_MODEL_FILE: modelFile, LOG_LEVEL: 'warn' }, 180_000));
    children.push(embedding);
    const retrieval = await startServiceProcess('services/retrieval/src/main.ts', { EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`, UPSTREAM_TLS_MODE: 'insecure', UPSTREAM_TIMEOUT_MS: '120000', RETRIEVAL_DATA_DIR: join(work, 'retrieval') }, 120_000);
    children.push(retrieval);

    await timed('catalog_s', async () => {
      const catalog = createGrpcClient(CatalogService, `127.0.0.1:${retrieval.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 1_800_000 });
      try {
        const upserted = await catalog.upsertProducts(products.map((product) => ({ product })));
        // Products the catalog refuses (e.g. a title it cannot take) are reported, not fatal: they cannot be recommended, which counts against the score.
        catalogRejected = Number(upserted.rejected);
        if (catalogRejected > 0) console.warn(`the catalog rejected ${catalogRejected} products: ${upserted.rejections.slice(0, 5).map((r) => `${r.productId}: ${r.reason}`).join('; ')}`);
      } finally {
        catalog.close();
      }
    });

    const common = { ...TEST_SERVICE_ENV, LOG_LEVEL: 'warn', UPSTREAM_TLS_MODE: 'insecure', RETRIEVAL_ADDR: `127.0.0.1:${retrieval.grpcPort}` };
    const feedback = await startService(feedbackServiceWith({ userState, eventBus: bus }), {
      ...common,
      FEEDBACK_EVENT_BUS: 'in-process',
      FEEDBACK_STATE_STORE: 'memory',
      FEEDBACK_DEAD_LETTER_FILE: join(work, 'dead-letters.jsonl'),
      FEEDBACK_HMAC_KEYS_FILE: keysFile,
      // Remember up to 30 purchases per user, so exclude_seen covers (almost) whole histories.
      FEEDBACK_RECENT_PURCHASES: '30',
    });
    running.push(feedback);
    const ranking = await startService(rankingServiceWith({ userState, eventBus: bus }), {
      ...common,
      EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`,
      USER_STATE_STORE: 'memory',
      RANKING_HMAC_KEYS_FILE: keysFile,
      RANKING_DATA_DIR: join(work, 'ranking'),
      // Results, not latency, are measured here: the shared machine must not turn slow hops into fallbacks.
      RANKING_RETRIEVAL_BUDGET_MS: '20000',
      RANKING_CATALOG_BUDGET_MS: '20000',
      RANKING_USER_STATE_BUDGET_MS: '20000',
      RANKING_EMBEDDING_BUDGET_MS: '20000',
    });
    running.push(ranking);

    // Histories in through Track, 500 events a call.
    const events = historyEvents(users, Math.floor(Date.now() / 1000));
    await timed('track_s', async () => {
      const collector = createGrpcClient(CollectorService, `127.0.0.1:${feedback.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 60_000 });
      try {
        for (let i = 0; i < events.length; i += 500) {
          const response = await retryOnPushback(() => collector.track({ events: events.slice(i, i + 500) }));
          if (response.rejected.length > 0) throw new Error(`Track rejected ${response.rejected.length} events, e.g. ${response.rejected[0]!.reason}`);
        }
      } finally {
        collector.close();
      }
      // Wait until feedback has applied every event (its metrics endpoint may be slow to answer while it works: retry).
      let failures = 0;
      for (;;) {
        const processed = await eventsProcessed(feedback.metricsPort).catch((error: unknown) => {
          if (++failures > 20) throw error;
          return { total: -1, byOutcome: {} as Record<string, number> };
        });
        if (processed.total >= 0) failures = 0;
        if (processed.total >= events.length) {
          if ((processed.byOutcome['applied'] ?? 0) !== events.length) throw new Error(`feedback did not apply every event: ${JSON.stringify(processed.byOutcome)}`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    });

    // Recommend for every user. The server excludes what it remembers of the user (exclude_seen);
    // the protocol excludes the whole history, so anything older it still returns is dropped here
    // and counted (history_items_returned).
    const longest = Math.max(...CUTOFFS);
    let historyItemsReturned = 0;
    let degradedResponses = 0;
    const sources: Record<string, number> = {};
    const client = createGrpcClient(RankingService, `127.0.0.1:${ranking.grpcPort}`, { credentials: insecure, defaultTimeoutMs: 60_000 });
    const results = await timed('recommend_s', () =>
      mapConcurrent(evaluated, CONCURRENCY, async (user) => {
        // Admission control may refuse some of the concurrent calls with a retry hint: honoured, as a batch client should.
        const response = await retryOnPushback(() => client.recommend({ userId: `sci-${user.userId}`, context: { case: 'home', value: {} }, limit: Math.min(100, longest + user.history.length), excludeSeen: true, channel: 'web' }));
        if (response.degraded.length > 0) degradedResponses++;
        const history = new Set(user.history);
        const ranked: string[] = [];
        for (const item of response.items) {
          if (history.has(item.itemId)) {
            historyItemsReturned++;
            continue;
          }
          if (ranked.length < longest) {
            ranked.push(item.itemId);
            if (ranked.length <= 10) for (const source of item.sources) sources[source] = (sources[source] ?? 0) + 1;
          }
        }
        return { ranked, target: user.target };
      }),
    );
    client.close();
    timings['recommend_ms_per_user'] = Math.round((timings['recommend_s']! * 1000) / Math.max(1, evaluated.length) * 10) / 10;

    const system = topKMetrics(results, CUTOFFS);
    const popularity = new PopularityBaseline(users.map((u) => u.history));
    const baseline = topKMetrics(
      evaluated.map((u) => ({ ranked: popularity.recommend(u.history, longest), target: u.target })),
      CUTOFFS,
    );
    const r = (x: number) => Math.round(x * 10_000) / 10_000;
    const table = [
      '| recommender | HR@10 | NDCG@10 | HR@20 | NDCG@20 | MRR@20 |',
      '| --- | --- | --- | --- | --- | --- |',
      `| baseline: popularity (same histories, history excluded) | ${r(baseline.hr[10]!)} | ${r(baseline.ndcg[10]!)} | ${r(baseline.hr[20]!)} | ${r(baseline.ndcg[20]!)} | ${r(baseline.mrr)} |`,
      `| ShopSense Recommend (home, exclude_seen) | ${r(system.hr[10]!)} | ${r(system.ndcg[10]!)} | ${r(system.hr[20]!)} | ${r(system.ndcg[20]!)} | ${r(system.mrr)} |`,
    ].join('\n');
    console.log(table);
    const sourceShare = Object.fromEntries(Object.entries(sources).map(([s, n]) => [s, r(n / Math.max(1, evaluated.length * 10))]));
    if (split === 'test' && evaluated.length === users.length) {
      writeEvaluationSection(
        'scientific',
        [
          '## Recommendations on Amazon Industrial & Scientific (`npm run eval:scientific`)',
          '',
          `The README's protocol: leave-last-out (the last item is the target), all ${products.length} items ranked, the user's history excluded; ${system.users} users.`,
          'Everything goes through the public APIs: the catalog through `CatalogService.UpsertProducts`, each history as',
          `PURCHASE events through \`CollectorService.Track\` (${events.length} events, one hour apart per user, placed in the last ${WINDOW_DAYS} days),`,
          'then `RankingService.Recommend` (home context, `exclude_seen`) per user. Embedding model: ' + `${modelFile} from ${modelDir.split('/').pop()}.`,
          '',
          table,
          '',
          `Share of the top-10 slots by proposing source: ${Object.entries(sourceShare).map(([s, v]) => `${s} ${v}`).join(', ') || 'none'}. History items the server still returned (older than what it remembers): ${historyItemsReturned}. Degraded responses: ${degradedResponses}.`,
          'The fusion weights (services/ranking/src/domain/recommend-fusion.ts) and the purchase-sequence co-occurrence weights (services/feedback/src/domain/cooccurrence.ts) were chosen on the validation split (`npm run eval:scientific -- --split validation`); this table is the test split.',
        ].join('\n'),
      );
    }
    console.log(
      JSON.stringify({
        split,
        users: system.users,
        hr_at_10: r(system.hr[10]!),
        ndcg_at_10: r(system.ndcg[10]!),
        hr_at_20: r(system.hr[20]!),
        ndcg_at_20: r(system.ndcg[20]!),
        mrr: r(system.mrr),
        baseline_hr_at_10: r(baseline.hr[10]!),
        baseline_ndcg_at_10: r(baseline.ndcg[10]!),
        baseline_hr_at_20: r(baseline.hr[20]!),
        baseline_ndcg_at_20: r(baseline.ndcg[20]!),
        events: events.length,
        catalog_rejected: catalogRejected,
        history_items_returned: historyItemsReturned,
        degraded_responses: degradedResponses,
        top10_source_share: sourceShare,
        timings,
      }),
    );
  } finally {
    for (const service of running.reverse()) await service.stop().catch(() => undefined);
    await bus.close();
    for (const child of children.reverse()) {
      child.child.kill('SIGTERM');
      await child.exited;
    }
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
