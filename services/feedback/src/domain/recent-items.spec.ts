import { RecentKind } from '@shopsense/user-state';
import { DEFAULT_RECENT_BOUNDS, endSession, purchasedRefs, pushRecent, removeRecent, sessionRefs } from './recent-items';

describe('recent items', () => {
  it('keeps the newest first, moves a repeated item to the front and bounds each kind', () => {
    let recent = pushRecent([], 1, RecentKind.Click, DEFAULT_RECENT_BOUNDS);
    for (const ref of [2, 3, 4, 5, 6]) recent = pushRecent(recent, ref, RecentKind.Click, DEFAULT_RECENT_BOUNDS);
    recent = pushRecent(recent, 10, RecentKind.View, DEFAULT_RECENT_BOUNDS);
    recent = pushRecent(recent, 4, RecentKind.Click, DEFAULT_RECENT_BOUNDS);
    expect(recent.map((e) => [e.ref, e.kind])).toEqual([
      [4, RecentKind.Click],
      [10, RecentKind.View],
      [6, RecentKind.Click],
      [5, RecentKind.Click],
      [3, RecentKind.Click],
      [2, RecentKind.Click],
    ]);
  });

  it('tracks the session and purchases, and removes cart entries', () => {
    let recent = pushRecent([], 1, RecentKind.Purchase, DEFAULT_RECENT_BOUNDS);
    recent = endSession(recent);
    recent = pushRecent(recent, 2, RecentKind.Cart, DEFAULT_RECENT_BOUNDS);
    recent = pushRecent(recent, 3, RecentKind.View, DEFAULT_RECENT_BOUNDS);
    recent = pushRecent(recent, 2, RecentKind.Click, DEFAULT_RECENT_BOUNDS);
    expect(sessionRefs(recent)).toEqual([2, 3]);
    expect(purchasedRefs(recent)).toEqual([1]);
    expect(removeRecent(recent, 2, RecentKind.Cart).map((e) => [e.ref, e.kind])).toEqual([
      [2, RecentKind.Click],
      [3, RecentKind.View],
      [1, RecentKind.Purchase],
    ]);
  });
});
