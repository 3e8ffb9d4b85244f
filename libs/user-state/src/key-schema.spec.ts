import { dedupExpiresAt, dedupRef, StateKeys } from './key-schema';

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

  it('expires a dedup record the TTL after its day ends, and never sooner than the TTL from now', () => {
    const ttl = 7 * 86_400;
    const now = 86_400 * 20_000 + 3_600;
    expect(dedupExpiresAt(20_000, now, ttl)).toBe(86_400 * 20_001 + ttl); // today: the end of the day plus the TTL
    expect(dedupExpiresAt(19_000, now, ttl)).toBe(now + ttl); // history: the TTL from the write
  });

  it('spreads profiles over the configured number of hashes', () => {
    const keys = new StateKeys('p:', 16, 16);
    const shards = new Set(Array.from({ length: 400 }, (_, i) => keys.profileShard(`k1:user${i}`)));
    expect(shards.size).toBe(16);
    expect([...shards].every((k) => /^p:u:\d+$/.test(k))).toBe(true);
  });
});
