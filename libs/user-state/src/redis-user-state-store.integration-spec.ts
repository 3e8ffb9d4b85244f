import Redis from 'ioredis';
import { hourBucket } from './item-stats';
import { popularityExpireAt } from './popularity';
import { RedisUserStateStore } from './redis-user-state-store';
import { deleteKeysWithPrefix } from '@shopsense/testing';
import { contractSettings, CONTRACT_NOW, describeUserStateStoreContract } from './testing/user-state-store.contract';

const redis = new Redis(process.env['REDIS_URL']!);
afterAll(() => redis.quit());

describeUserStateStoreContract('Redis', async (settings) => ({
  store: new RedisUserStateStore(redis, settings),
  cleanup: () => deleteKeysWithPrefix(redis, settings.keyPrefix),
}));

describe('Redis popularity sets', () => {
  it('are bounded per day and expire a week after their day', async () => {
    const settings = contractSettings({ popularMax: 2 });
    const store = new RedisUserStateStore(redis, settings);
    try {
      const hour = hourBucket(CONTRACT_NOW);
      const day = Math.floor(hour / 24);
      const itemCounters = ['a', 'b', 'c'].map((itemId, i) => ({ itemId, hour, impressions: 0, clicks: i + 1, carts: 0, purchases: 0 }));
      await store.apply({ dedup: [], users: [], itemCounters, queryItems: [], cooccurrence: [], joinImpressions: [], joinLabels: [] });
      const key = `${settings.keyPrefix}pop:${day}`;
      expect(await redis.zrevrange(key, 0, -1)).toEqual(['c', 'b']);
      expect(await redis.expiretime(key)).toBe(popularityExpireAt(day));
    } finally {
      await deleteKeysWithPrefix(redis, settings.keyPrefix);
    }
  });
});
