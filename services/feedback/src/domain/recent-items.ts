import { RecentKind, type RecentEntry } from '@shopsense/user-state';

/** How many entries of each kind a profile keeps (the total must stay at most 63). */
export type RecentBounds = Record<RecentKind, number>;

export const DEFAULT_RECENT_BOUNDS: RecentBounds = { [RecentKind.View]: 5, [RecentKind.Click]: 5, [RecentKind.Cart]: 3, [RecentKind.Purchase]: 3 };

/** Puts (ref, kind) first, in the session; an older entry of the same item and kind moves instead of repeating. */
export function pushRecent(recent: readonly RecentEntry[], ref: number, kind: RecentKind, bounds: RecentBounds): RecentEntry[] {
  const next: RecentEntry[] = [{ ref, kind, inSession: true }];
  let ofKind = 1;
  for (const entry of recent) {
    if (entry.kind === kind && entry.ref === ref) continue;
    if (entry.kind === kind) {
      if (ofKind >= bounds[kind]) continue;
      ofKind++;
    }
    next.push(entry);
  }
  return next;
}

export function removeRecent(recent: readonly RecentEntry[], ref: number, kind: RecentKind): RecentEntry[] {
  return recent.filter((e) => !(e.kind === kind && e.ref === ref));
}

/** A new session: nothing is "in the session" any more. */
export function endSession(recent: readonly RecentEntry[]): RecentEntry[] {
  return recent.map((e) => (e.inSession ? { ...e, inSession: false } : e));
}

/** Distinct refs of the current session, most recent first. */
export function sessionRefs(recent: readonly RecentEntry[]): number[] {
  const refs: number[] = [];
  for (const e of recent) if (e.inSession && !refs.includes(e.ref)) refs.push(e.ref);
  return refs;
}

/** Distinct refs of previous purchases, most recent first. */
export function purchasedRefs(recent: readonly RecentEntry[]): number[] {
  const refs: number[] = [];
  for (const e of recent) if (e.kind === RecentKind.Purchase && !refs.includes(e.ref)) refs.push(e.ref);
  return refs;
}
