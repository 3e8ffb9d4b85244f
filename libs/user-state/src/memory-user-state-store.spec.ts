import { byteCompare, MemoryUserStateStore } from './memory-user-state-store';
import { DEFAULT_STORE_SETTINGS } from './user-state-store.port';
import { describeUserStateStoreContract } from './testing/user-state-store.contract';

describeUserStateStoreContract('in memory', async (settings) => ({ store: new MemoryUserStateStore(settings), cleanup: async () => undefined }));

describe('byteCompare (the order of Redis sorted-set members with equal scores)', () => {
  it('orders strings as their UTF-8 bytes do, across the characters where UTF-16 order differs', () => {
    const alphabet = ['a', 'b', 'z', '0', '-', 'é', '中', '\uD7FF', '\uE000', '\uFFFD', '\uFFFF', '😀', '𝄞'];
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const word = () => Array.from({ length: Math.floor(random() * 5) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    for (let n = 0; n < 5_000; n++) {
      const a = word();
      const b = random() < 0.3 ? a + word() : word();
      expect([a, b, Math.sign(byteCompare(a, b))]).toEqual([a, b, Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')))]);
    }
  });
});

describe('bounded sorted sets in memory', () => {
  it('keep the highest scores, dropping equal scores in Redis order, whether a batch adds a few members or many', async () => {
    const store = new MemoryUserStateStore({ ...DEFAULT_STORE_SETTINGS, cooccurrenceMax: 5 });
    const names = ['b', 'a', 'é', '\uE000', '😀', 'ab', 'ba', 'z', '0', 'aa'];
    const neighbours = (count: number, salt: number) => Array.from({ length: count }, (_, i) => ({ itemId: 'x', neighbourId: `${names[(i * 7 + salt) % names.length]}${i % 9}`, weight: 1 + ((i + salt) % 2) }));
    const expected = new Map<string, number>();
    for (const [count, salt] of [[9, 1], [20, 2], [60, 3]] as const) {
      const batch = neighbours(count, salt);
      await store.apply({ dedup: [], users: [], itemCounters: [], queryItems: [], cooccurrence: batch, joinImpressions: [], joinLabels: [] });
      // The reference: add everything, keep the top 5 by score, ties by member bytes (highest kept).
      for (const n of batch) expected.set(n.neighbourId, (expected.get(n.neighbourId) ?? 0) + n.weight);
      const kept = [...expected].sort((a, b) => b[1] - a[1] || Buffer.compare(Buffer.from(b[0]), Buffer.from(a[0]))).slice(0, 5);
      expected.clear();
      for (const [member, score] of kept) expected.set(member, score);
      expect(await store.neighbours('x', 10)).toEqual(kept.map(([itemId, score]) => ({ itemId, score })));
    }
  });
});
