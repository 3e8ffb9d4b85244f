import type { LabelledPrediction } from './calibration';
import { DegradationReport } from './pipeline';
import { rankCandidates, type ScoringModel } from './ranker';
import { seededRandom, type Random } from '@shopsense/random';
import { withPosition, type CandidateInput, type ItemWindowStats, type RankingContext } from './features';
import { learn, type LabelledExample } from './training';
import type { FeatureValues } from './ftrl';
import { cosine, type Vector } from './vectors';

/**
 * A simulated shop for testing the learning loop without users: a catalog of items with
 * embeddings and a hidden quality, users with interest vectors, requests (searches or
 * recommendations) whose candidates come from an imperfect retriever, and a click model with a
 * hidden preference and position bias:
 *
 *   P(click | user, query, item at position p) = examine(p) × σ(a0 + bUser·cos(user, item) + bQuery·cos(query, item) + quality(item))
 *   examine(p) = (1 + p)^-positionBias
 *
 * The ranker sees the cosines (as features) but not the quality; quality shows only through the
 * item CTR the simulation accumulates, as in production. Everything is seeded: the same options
 * give the same world and the same run. Pure (no I/O), so it lives beside the code it tests and
 * evaluation scripts can run it over a real catalog's embeddings (pass `items`).
 */

export interface SimulatedItem {
  id: string;
  /** Plain arrays, not Float32Array: under jest a host typed array read in the sandbox is several times slower. */
  vector: Vector;
  price: number;
  brand: string;
  categoryPath: string[];
  /** Hidden quality (logit shift of attractiveness); the ranker never sees it. */
  quality: number;
}

export interface SimulatedUser {
  id: string;
  /** The interest vector the user-state store would hold; also the user's true taste. */
  interest: number[];
}

export interface WorldOptions {
  seed: number;
  items: number;
  users: number;
  topics: number;
  dims: number;
  /** Candidates retrieved per request. */
  candidates: number;
  /** Items served per request. */
  listSize: number;
  /** Share of requests that are searches (the rest are recommendations). */
  queryShare: number;
  /** Noise added to the retriever's scores: the retrieval order is imperfect. */
  retrievalNoise: number;
  clickModel: { intercept: number; user: number; query: number; positionBias: number };
}

export const DEFAULT_WORLD_OPTIONS: WorldOptions = {
  seed: 7,
  items: 400,
  users: 300,
  topics: 8,
  dims: 12,
  candidates: 30,
  listSize: 10,
  queryShare: 0.5,
  retrievalNoise: 0.2,
  clickModel: { intercept: -2.5, user: 1.5, query: 1.5, positionBias: 0.7 },
};

export interface SimulatedWorld {
  options: WorldOptions;
  items: SimulatedItem[];
  users: SimulatedUser[];
  topics: number[][];
  itemsById: Map<string, SimulatedItem>;
}

function unit(values: number[]): number[] {
  const length = Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1;
  return values.map((v) => v / length);
}

const noisy = (rng: Random, centre: Vector, noise: number) => unit(Array.from(centre, (v) => v + noise * rng.normal()));

/** A world from a seed; `items` replaces the synthetic catalog (a real catalog's embeddings, say). */
export function createSimulatedWorld(options: Partial<WorldOptions> = {}, items?: SimulatedItem[]): SimulatedWorld {
  const o: WorldOptions = { ...DEFAULT_WORLD_OPTIONS, ...options, clickModel: { ...DEFAULT_WORLD_OPTIONS.clickModel, ...(options.clickModel ?? {}) } };
  const rng = seededRandom(o.seed);
  const dims = items?.[0]?.vector.length ?? o.dims;
  const topics = Array.from({ length: o.topics }, () => unit(Array.from({ length: dims }, () => rng.normal())));
  const catalog =
    items ??
    Array.from({ length: o.items }, (_, i): SimulatedItem => {
      const topic = i % o.topics;
      return {
        id: `item-${i}`,
        vector: noisy(rng, topics[topic], 0.35),
        price: Math.round(Math.exp(3 + rng.normal()) * 100) / 100,
        brand: `brand-${rng.int(20)}`,
        categoryPath: [`topic-${topic}`],
        quality: 0.8 * rng.normal(),
      };
    });
  const users = Array.from({ length: o.users }, (_, i): SimulatedUser => ({ id: `user-${i}`, interest: noisy(rng, topics[rng.int(o.topics)], 0.5) }));
  return { options: o, items: catalog, users, topics, itemsById: new Map(catalog.map((item) => [item.id, item])) };
}

/** One request: who asks, for what, and the retrieved candidates in retrieval order. */
export interface SimulatedRequest {
  requestId: string;
  user: SimulatedUser;
  queryVector?: number[];
  context: RankingContext;
  candidates: CandidateInput[];
}

const zero = () => ({ impressions: 0, clicks: 0, carts: 0, purchases: 0 });

/** Item counters the run accumulates, served to the ranker as item stats (all in the 7-day and 24-hour windows). */
class ItemCounters {
  private readonly counts = new Map<string, { impressions: number; clicks: number }>();

  add(itemId: string, clicked: boolean): void {
    const c = this.counts.get(itemId) ?? { impressions: 0, clicks: 0 };
    c.impressions++;
    if (clicked) c.clicks++;
    this.counts.set(itemId, c);
  }

  stats(itemId: string): ItemWindowStats {
    const c = this.counts.get(itemId);
    const window = { ...zero(), ...(c ?? {}) };
    return { lastHour: zero(), last24h: window, last7d: window };
  }
}

function makeRequest(world: SimulatedWorld, rng: Random, round: number, counters: ItemCounters): SimulatedRequest {
  const o = world.options;
  const user = world.users[rng.int(world.users.length)];
  const isSearch = rng.next() < o.queryShare;
  const queryVector = isSearch ? noisy(rng, world.topics[rng.int(world.topics.length)], 0.3) : undefined;
  const anchor = queryVector ?? user.interest;
  const source = isSearch ? 'dense' : 'user_interest';
  // The retriever is imperfect: noise on the scores of a shortlist twice the candidate count
  // (noise on all items would cost a normal draw per item per request, for the same effect).
  const n = world.items.length;
  const exact = new Array<number>(n);
  for (let i = 0; i < n; i++) exact[i] = cosine(anchor, world.items[i].vector);
  const shortlist = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => exact[b] - exact[a] || a - b)
    .slice(0, 2 * o.candidates);
  const noisyScore = new Array<number>(n).fill(0);
  for (const i of shortlist) noisyScore[i] = exact[i] + o.retrievalNoise * rng.normal();
  const top = shortlist.sort((a, b) => noisyScore[b] - noisyScore[a] || a - b).slice(0, o.candidates);
  const candidates = top.map((index, rank): CandidateInput => {
    const item = world.items[index];
    return {
      itemId: item.id,
      retrievalRank: rank,
      sources: [{ source, score: exact[index], rank }],
      vector: item.vector,
      product: { price: item.price, brand: item.brand, categoryPath: item.categoryPath, inStock: true },
      itemStats: counters.stats(item.id),
    };
  });
  const context: RankingContext = {
    queryText: isSearch ? 'simulated query' : '',
    ...(queryVector ? { queryVector } : {}),
    boosts: [],
    channel: rng.next() < 0.5 ? 'web' : 'ios',
    userLongVector: user.interest,
    recentItemIds: [],
    nowMs: round * 60_000,
  };
  return { requestId: `r${round}`, user, ...(queryVector ? { queryVector } : {}), context, candidates };
}

/** The hidden truth: the probability that this user clicks this item at this position. */
export function trueClickProbability(world: SimulatedWorld, request: SimulatedRequest, itemId: string, position: number): number {
  const item = world.itemsById.get(itemId);
  if (!item) throw new RangeError(`unknown simulated item ${itemId}`);
  const m = world.options.clickModel;
  const attraction = m.intercept + m.user * cosine(request.user.interest, item.vector) + (request.queryVector ? m.query * cosine(request.queryVector, item.vector) : 0) + item.quality;
  return (1 + position) ** -m.positionBias / (1 + Math.exp(-attraction));
}

/** A model the simulation can serve with and, when learning, train. */
export interface SimulationModel extends ScoringModel {
  predict(x: FeatureValues): number;
  update(x: FeatureValues, label: boolean, weight?: number): number;
}

export interface SimulationRun {
  /** Clicks / impressions of each round's served list (training rounds, then held-out rounds). */
  ctrByRound: number[];
  impressions: number;
  clicks: number;
  /**
   * Per impression of the training rounds: the model's probability for the item at its served
   * position, made before learning from it (progressive validation), and the click.
   */
  predictions: LabelledPrediction[];
  /** The same for the held-out rounds, served by the frozen model on requests it never learned from. */
  heldOutPredictions: LabelledPrediction[];
  /** The labelled examples of the training rounds, as the training topic would carry them. */
  examples: LabelledExample[];
  /** The labelled examples of the held-out rounds (for the promotion gate). */
  heldOutExamples: LabelledExample[];
}

export interface SimulationOptions {
  /** Rounds (requests) served while learning, when `learn`. */
  rounds: number;
  /** Learn each round's examples after the round, as the online trainer would. */
  learn: boolean;
  /** Rounds served afterwards with the model frozen, for held-out measurements. */
  heldOutRounds?: number;
  /** Fixes the request and click streams: two runs with the same seed see the same users and queries. */
  seed: number;
}

/**
 * Serves requests with the model (through the real ranking core, rankCandidates) and samples
 * clicks from the hidden click model; item counters carry over from round to round, so the item
 * CTR features evolve as in production. Held-out rounds continue the same world (same counters).
 */
export function runSimulation(world: SimulatedWorld, model: SimulationModel, options: SimulationOptions): SimulationRun {
  const requestRng = seededRandom(options.seed);
  const clickRng = seededRandom(options.seed ^ 0x5bd1e995);
  const counters = new ItemCounters();
  const run: SimulationRun = { ctrByRound: [], impressions: 0, clicks: 0, predictions: [], heldOutPredictions: [], examples: [], heldOutExamples: [] };
  const total = options.rounds + (options.heldOutRounds ?? 0);
  for (let round = 0; round < total; round++) {
    const heldOut = round >= options.rounds;
    const request = makeRequest(world, requestRng, round, counters);
    const ranked = rankCandidates({
      context: request.context,
      candidates: request.candidates,
      model,
      ruleContext: { surface: request.queryVector ? 'search' : 'recommend', channel: request.context.channel, query: request.context.queryText, purchasedItemIds: new Set() },
      report: new DegradationReport(),
    });
    const served = ranked.items.slice(0, world.options.listSize);
    const examples: LabelledExample[] = served.map((item) => {
      const clicked = clickRng.next() < trueClickProbability(world, request, item.itemId, item.position);
      counters.add(item.itemId, clicked);
      (heldOut ? run.heldOutPredictions : run.predictions).push({ probability: model.predict(withPosition(item.features, item.position)), label: clicked });
      return { requestId: request.requestId, position: item.position, features: item.features, clicked };
    });
    const clicks = examples.filter((e) => e.clicked).length;
    run.ctrByRound.push(clicks / Math.max(1, examples.length));
    run.impressions += examples.length;
    run.clicks += clicks;
    (heldOut ? run.heldOutExamples : run.examples).push(...examples);
    if (options.learn && !heldOut) learn(model, examples);
  }
  return run;
}

/** Mean of a slice of per-round values. */
export function meanOf(values: readonly number[], from = 0, to = values.length): number {
  const slice = values.slice(from, to);
  return slice.length > 0 ? slice.reduce((s, v) => s + v, 0) / slice.length : 0;
}
