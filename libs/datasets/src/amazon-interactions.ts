import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireSharedDataset } from './shared-data';

/** A user's time-ordered item ids (oldest first), as amazon-scientific/interactions.json holds them. */
export interface UserSequence {
  userId: string;
  items: string[];
}

/** amazon-scientific: every user's purchase/review sequence, oldest first, in user id order. */
export function loadAmazonInteractions(): UserSequence[] {
  const file = join(requireSharedDataset('amazon-scientific'), 'interactions.json');
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string[]>;
  return Object.entries(raw)
    .map(([userId, items]) => ({ userId, items: items.map(String) }))
    .sort((a, b) => Number(a.userId) - Number(b.userId) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

export type LeaveLastOutSplit = 'validation' | 'test';

export interface HeldOutUser {
  userId: string;
  /** What the recommender may know, oldest first. */
  history: string[];
  target: string;
}

/**
 * The README's leave-last-out protocol: the last item is the test target, the second-to-last the
 * validation target, everything before the target is history (so the test history includes the
 * validation item). Users with fewer than `split === 'test' ? 2 : 3` items have no target and are skipped.
 */
export function leaveLastOut(sequences: readonly UserSequence[], split: LeaveLastOutSplit): HeldOutUser[] {
  const drop = split === 'test' ? 1 : 2;
  const out: HeldOutUser[] = [];
  for (const { userId, items } of sequences) {
    if (items.length < drop + 1) continue;
    out.push({ userId, history: items.slice(0, items.length - drop), target: items[items.length - drop]! });
  }
  return out;
}

/** Metrics of one ranked list against one held-out target, at the cut-offs given. */
export interface TopKMetrics {
  users: number;
  hr: Record<number, number>;
  ndcg: Record<number, number>;
  /** Mean reciprocal rank within the longest cut-off (0 when the target is not in it). */
  mrr: number;
}

/**
 * Hit rate, NDCG and MRR over users with one relevant item each: a hit at 0-based rank r counts 1
 * for HR@k when r < k and 1 / log2(r + 2) for NDCG@k (the ideal DCG of one relevant item is 1).
 */
export function topKMetrics(results: readonly { ranked: readonly string[]; target: string }[], cutoffs: readonly number[] = [10, 20]): TopKMetrics {
  const hr: Record<number, number> = {};
  const ndcg: Record<number, number> = {};
  for (const k of cutoffs) {
    hr[k] = 0;
    ndcg[k] = 0;
  }
  const longest = Math.max(...cutoffs);
  let mrr = 0;
  for (const { ranked, target } of results) {
    const rank = ranked.slice(0, longest).indexOf(target);
    if (rank < 0) continue;
    mrr += 1 / (rank + 1);
    for (const k of cutoffs) {
      if (rank < k) {
        hr[k]! += 1;
        ndcg[k]! += 1 / Math.log2(rank + 2);
      }
    }
  }
  const n = results.length;
  for (const k of cutoffs) {
    hr[k] = n === 0 ? 0 : hr[k]! / n;
    ndcg[k] = n === 0 ? 0 : ndcg[k]! / n;
  }
  return { users: n, hr, ndcg, mrr: n === 0 ? 0 : mrr / n };
}

/**
 * The popularity baseline: items by how often they occur in the given histories (ties by id), and
 * per user the most popular items not in the user's history.
 */
export class PopularityBaseline {
  private readonly order: string[];

  constructor(histories: readonly (readonly string[])[]) {
    const counts = new Map<string, number>();
    for (const history of histories) for (const item of history) counts.set(item, (counts.get(item) ?? 0) + 1);
    this.order = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([item]) => item);
  }

  recommend(history: readonly string[], k: number): string[] {
    const seen = new Set(history);
    const out: string[] = [];
    for (const item of this.order) {
      if (out.length >= k) break;
      if (!seen.has(item)) out.push(item);
    }
    return out;
  }
}
