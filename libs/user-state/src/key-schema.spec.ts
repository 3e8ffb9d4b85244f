import { dedupRef, StateKeys } from './key-schema';

describe('key schema', () => {
  it('keys a dedup record by event-time day, a shard and a digest of the event id (never the id itself)', () => {
    const ref = dedupRef('user-42-click-7', 86400 * 20000 + 5, 4096);
    expect(ref.day).toBe(20000);
    expect(ref.shard).toBeGreaterThanOrEqual(0);
    expect(ref.shard).toBeLessThan(4096);
    expect(ref.field).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(ref).toEqual(dedupRef('user-42-click-7', 86400 * 20000 + 86000, 4096));
    expect(dedupRef('user-42-click-8', 86400 * 20000, 4096).field).not.toBe(ref.field);
  });

  it('spreads profiles over the configured number of hashes', () => {
    const keys = new StateKeys('p:', 16, 16);
    const shards = new Set(Array.from({ length: 400 }, (_, i) => keys.profileShard(`k1:user${i}`)));
    expect(shards.size).toBe(16);
    expect([...shards].every((k) => /^p:u:\d+$/.test(k))).toBe(true);
  });
});
