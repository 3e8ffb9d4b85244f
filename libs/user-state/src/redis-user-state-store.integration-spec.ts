import Redis from 'ioredis';
import { RedisUserStateStore } from './redis-user-state-store';
import { deleteKeysWithPrefix } from './testing/redis-cleanup';
import { describeUserStateStoreContract } from './testing/user-state-store.contract';

const redis = new Redis(process.env['REDIS_URL']!);
afterAll(() => redis.quit());

describeUserStateStoreContract('Redis', async (settings) => ({
  store: new RedisUserStateStore(redis, settings),
  cleanup: () => deleteKeysWithPrefix(redis, settings.keyPrefix),
}));
