/**
 * Per-item counters in event-time windows, in one small hash per item: field `h<hour><m>` counts
 * metric m (i impressions, c clicks, a carts, p purchases) in that hour (hours since the epoch),
 * `d<day><m>` in that day. An event adds to its hour's field, nothing else. When a write opens a
 * new field, the hash is pruned: hours 24 or more before that hour are folded into their day's
 * field, days 7 or more back are dropped. So every event is counted in exactly one field, the
 * hash stays under ~130 fields (Redis keeps it in its compact listpack form), and a write costs
 * one HINCRBY per metric. Readers add up: the last hour and last 24 hours from hour fields, the
 * last 7 days from hour and day fields.
 */
export interface Counts {
  impressions: number;
  clicks: number;
  carts: number;
  purchases: number;
}

export const METRICS = ['impressions', 'clicks', 'carts', 'purchases'] as const;
/** One-letter field suffixes used in the stored hashes: `<slot>` (bucket tag), `<slot>i`, `<slot>c`, `<slot>a`, `<slot>p`. */
export const METRIC_FIELD: Record<(typeof METRICS)[number], string> = { impressions: 'i', clicks: 'c', carts: 'a', purchases: 'p' };

export const zeroCounts = (): Counts => ({ impressions: 0, clicks: 0, carts: 0, purchases: 0 });

export const hourBucket = (unixSeconds: number) => Math.floor(unixSeconds / 3600);
export const dayBucket = (unixSeconds: number) => Math.floor(unixSeconds / 86400);

export interface ItemWindows {
  /** The current hour (by the reader's clock). */
  lastHour: Counts;
  /** The last 24 hourly buckets, the current one included. */
  last24h: Counts;
  /** The last 7 daily buckets, today included. */
  last7d: Counts;
}

export interface ItemStats extends ItemWindows {
  /** Click-through rate over 7 days, smoothed towards the prior (see smoothedCtr). */
  ctr: number;
  /** Add-to-cart rate per click over 7 days, smoothed. */
  cartRate: number;
  /** How much hotter the last hour is than the 24-hour average (1 = as usual). */
  trend: number;
}

export interface CtrPrior {
  /** The CTR an item is assumed to have before any evidence. */
  rate: number;
  /** How many impressions the prior is worth. */
  strength: number;
}

export const DEFAULT_CTR_PRIOR: CtrPrior = { rate: 0.02, strength: 50 };
export const DEFAULT_CART_PRIOR: CtrPrior = { rate: 0.1, strength: 20 };

/**
 * Bayesian-smoothed rate: (successes + rate × strength) / (trials + strength). An item with 1
 * click in 1 impression gets about the prior, not 100%; with many impressions the observed rate
 * wins.
 */
export function smoothedRate(successes: number, trials: number, prior: CtrPrior = DEFAULT_CTR_PRIOR): number {
  const s = Math.max(0, successes);
  const t = Math.max(s, trials);
  return (s + prior.rate * prior.strength) / (t + prior.strength);
}

/** Last hour's engagement against the hourly average of the last 24 hours, add-one smoothed. */
export function trendScore(windows: ItemWindows): number {
  const engagement = (c: Counts) => c.clicks + 2 * c.carts + 4 * c.purchases;
  return (engagement(windows.lastHour) + 1) / (engagement(windows.last24h) / 24 + 1);
}

export function itemStats(windows: ItemWindows, ctrPrior: CtrPrior = DEFAULT_CTR_PRIOR, cartPrior: CtrPrior = DEFAULT_CART_PRIOR): ItemStats {
  return {
    ...windows,
    ctr: smoothedRate(windows.last7d.clicks, windows.last7d.impressions, ctrPrior),
    cartRate: smoothedRate(windows.last7d.carts, windows.last7d.clicks, cartPrior),
    trend: trendScore(windows),
  };
}

const FIELD = /^([hd])(\d+)([icap])$/;
const METRIC_BY_LETTER: Record<string, (typeof METRICS)[number]> = { i: 'impressions', c: 'clicks', a: 'carts', p: 'purchases' };

const H = 'h'.charCodeAt(0);
const D = 'd'.charCodeAt(0);

/** Moves hours at least 24 before `hour` into their days and drops days at least 7 before it (the Lua twin is in redis-scripts.ts). */
export function pruneWindows(fields: Record<string, string>, hour: number): void {
  const today = Math.floor(hour / 24);
  // Parsed by hand, not with FIELD: this runs each time an item opens an hour, which a backfill
  // (months of history in minutes) does for nearly every event.
  for (const field in fields) {
    const kind = field.charCodeAt(0);
    const metric = field[field.length - 1]!;
    if ((kind !== H && kind !== D) || METRIC_BY_LETTER[metric] === undefined) continue;
    const digits = field.slice(1, -1);
    const n = Number(digits);
    if (digits === '' || String(n) !== digits) continue;
    if (kind === H && n <= hour - 24) {
      const value = fields[field]!;
      delete fields[field];
      const day = Math.floor(n / 24);
      if (day > today - 7) fields[`d${day}${metric}`] = String(Number(fields[`d${day}${metric}`] ?? 0) + Number(value));
    } else if (kind === D && n <= today - 7) {
      delete fields[field];
    }
  }
}

/** Counts an event's item in its hour (the in-memory adapter's implementation; the Redis adapter runs the same steps in Lua). */
export function addToWindows(fields: Record<string, string>, hour: number, counts: Counts): void {
  let opened = false;
  for (const metric of METRICS) {
    if (counts[metric] === 0) continue;
    const field = `h${hour}${METRIC_FIELD[metric]}`;
    if (fields[field] === undefined) opened = true;
    fields[field] = String(Number(fields[field] ?? 0) + counts[metric]);
  }
  if (opened) pruneWindows(fields, hour);
}

/** The three windows an item's hash holds at `nowSeconds`. */
export function windowTotals(fields: Record<string, string>, nowSeconds: number): ItemWindows {
  const nowHour = hourBucket(nowSeconds);
  const today = dayBucket(nowSeconds);
  const w: ItemWindows = { lastHour: zeroCounts(), last24h: zeroCounts(), last7d: zeroCounts() };
  for (const [field, value] of Object.entries(fields)) {
    const match = FIELD.exec(field);
    if (!match) continue;
    const n = Number(match[2]);
    const metric = METRIC_BY_LETTER[match[3]!]!;
    const count = Number(value);
    if (match[1] === 'h') {
      if (n > nowHour) continue;
      if (n === nowHour) w.lastHour[metric] += count;
      if (n > nowHour - 24) w.last24h[metric] += count;
      const day = Math.floor(n / 24);
      if (day > today - 7) w.last7d[metric] += count;
    } else if (n <= today && n > today - 7) {
      w.last7d[metric] += count;
    }
  }
  return w;
}
