import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { BehaviorEventSchema, EventType, type BehaviorEvent } from '@shopsense/contracts';
import { seededRandom } from '@shopsense/random';

/**
 * A synthetic but shaped clickstream for the crash test and the benchmark: users browse mostly
 * their favourite category (items of skewed popularity), impressions of 4 items (some after a search query, with a request
 * id), clicks and views on shown items, some add-to-carts and purchases, in sessions; a share of
 * events is published twice (producer retries), which must count once. Deterministic for a seed.
 */
export interface WorkloadOptions {
  events: number;
  users: number;
  items: number;
  categories: number;
  queries: number;
  /** Event time of the first event (ms) and the step between events. */
  startMs: number;
  stepMs: number;
  /** Share of events published a second time, later. */
  duplicateRate: number;
  seed: number;
  /** Prefix of ids, so runs on the shared broker and Redis do not collide. */
  runId: string;
}

/** Item ids carry their category (`c<k>-…`) so the test retrieval service can embed them. */
export const workloadItem = (runId: string, category: number, index: number) => `c${category}-${runId}-i${index}`;

export function generateClickstream(o: WorkloadOptions): BehaviorEvent[] {
  const random = seededRandom(o.seed).next;
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const perCategory = Math.max(1, Math.floor(o.items / o.categories));
  // Popularity within a category is skewed, as in real catalogs: the square of a uniform draw
  // puts about a third of the views on the top tenth of the items.
  const itemOf = (category: number) => workloadItem(o.runId, category, Math.floor(random() ** 2 * perCategory));
  const queries = Array.from({ length: o.queries }, (_, i) => `query ${i} shoes`);
  const lastShown = new Map<number, { requestId: string; items: string[]; query: string }>();
  const out: BehaviorEvent[] = [];
  const duplicates: { at: number; event: BehaviorEvent }[] = [];
  let serial = 0;

  for (let i = 0; i < o.events; i++) {
    while (duplicates.length > 0 && duplicates[0]!.at <= out.length) out.push(duplicates.shift()!.event);
    if (out.length >= o.events) break;
    const u = Math.floor(random() * o.users);
    const userId = `${o.runId}-user-${u}`;
    const category = random() < 0.8 ? u % o.categories : Math.floor(random() * o.categories);
    const base = {
      eventId: `${o.runId}-e${serial++}`,
      userId,
      sessionId: `${o.runId}-s${u}-${Math.floor((o.stepMs * i) / 600_000)}`,
      occurredAt: timestampFromMs(o.startMs + i * o.stepMs),
      channel: 'web',
    };
    const shown = lastShown.get(u);
    const r = random();
    let event: BehaviorEvent;
    if (r < 0.4 || !shown) {
      const items = Array.from({ length: 4 }, () => itemOf(category));
      const query = random() < 0.5 ? pick(queries) : '';
      const requestId = `${o.runId}-r${serial}`;
      lastShown.set(u, { requestId, items, query });
      event = create(BehaviorEventSchema, { ...base, type: EventType.IMPRESSION, itemIds: items, query, requestId, position: 0 });
    } else if (r < 0.7) {
      event = create(BehaviorEventSchema, { ...base, type: EventType.CLICK, itemIds: [pick(shown.items)], query: shown.query, requestId: shown.requestId });
    } else if (r < 0.85) {
      event = create(BehaviorEventSchema, { ...base, type: EventType.VIEW, itemIds: [itemOf(category)] });
    } else if (r < 0.93) {
      event = create(BehaviorEventSchema, { ...base, type: EventType.ADD_TO_CART, itemIds: [pick(shown.items)], requestId: shown.requestId });
    } else if (r < 0.98) {
      event = create(BehaviorEventSchema, { ...base, type: EventType.PURCHASE, itemIds: [pick(shown.items), itemOf(category)], requestId: shown.requestId, value: 25, currency: 'EUR' });
    } else {
      event = create(BehaviorEventSchema, { ...base, type: EventType.SEARCH, query: pick(queries) });
    }
    out.push(event);
    if (random() < o.duplicateRate) duplicates.push({ at: out.length + 1 + Math.floor(random() * 500), event });
  }
  return out.slice(0, o.events);
}

export interface ExpectedCounts {
  items: Map<string, { impressions: number; clicks: number; carts: number; purchases: number }>;
  /** query → item → [impressions, clicks] */
  queryItems: Map<string, Map<string, [number, number]>>;
  distinctEvents: number;
}

/** What the counters must hold, counted straight from the events (each event id once). */
export function expectedCounts(list: readonly BehaviorEvent[], normalize: (q: string) => string): ExpectedCounts {
  const seen = new Set<string>();
  const items: ExpectedCounts['items'] = new Map();
  const queryItems: ExpectedCounts['queryItems'] = new Map();
  const bump = (id: string, metric: 'impressions' | 'clicks' | 'carts' | 'purchases') => {
    const entry = items.get(id) ?? { impressions: 0, clicks: 0, carts: 0, purchases: 0 };
    entry[metric]++;
    items.set(id, entry);
  };
  for (const e of list) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const ids = e.type === EventType.CLICK || e.type === EventType.VIEW ? e.itemIds.slice(0, 1) : [...new Set(e.itemIds)];
    if (e.type === EventType.IMPRESSION) ids.forEach((id) => bump(id, 'impressions'));
    if (e.type === EventType.CLICK) ids.forEach((id) => bump(id, 'clicks'));
    if (e.type === EventType.ADD_TO_CART) ids.forEach((id) => bump(id, 'carts'));
    if (e.type === EventType.PURCHASE) ids.forEach((id) => bump(id, 'purchases'));
    if (e.query && (e.type === EventType.IMPRESSION || e.type === EventType.CLICK)) {
      const q = normalize(e.query);
      const perItem = queryItems.get(q) ?? new Map<string, [number, number]>();
      for (const id of ids) {
        const counts = perItem.get(id) ?? [0, 0];
        counts[e.type === EventType.IMPRESSION ? 0 : 1]++;
        perItem.set(id, counts);
      }
      queryItems.set(q, perItem);
    }
  }
  return { items, queryItems, distinctEvents: seen.size };
}
