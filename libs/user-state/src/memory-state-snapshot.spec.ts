import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMemoryState, encodeMemoryStateBinary, loadMemoryStateSnapshot, restoreMemoryState, saveMemoryStateSnapshot } from './memory-state-snapshot';
import { MemoryUserStateStore } from './memory-user-state-store';
import { describeUserStateStoreContract } from './testing/user-state-store.contract';
import { DEFAULT_STORE_SETTINGS, type StoreSettings, type UserStateStore } from './user-state-store.port';

/**
 * A memory store that is saved to a snapshot and restored into a fresh store after every write:
 * the whole adapter contract must still hold, so nothing the store keeps is lost in a snapshot.
 */
function restartingStore(settings: StoreSettings): UserStateStore {
  let current = new MemoryUserStateStore(settings);
  const restart = () => {
    const bytes = encodeMemoryStateBinary(current);
    current = new MemoryUserStateStore(settings);
    restoreMemoryState(current, bytes);
  };
  const writing = <A extends unknown[], R>(call: (store: MemoryUserStateStore, ...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await call(current, ...args);
      restart();
      return result;
    };
  return {
    prepare: writing((s, r: Parameters<UserStateStore['prepare']>[0]) => s.prepare(r)),
    apply: writing((s, p: Parameters<UserStateStore['apply']>[0]) => s.apply(p)),
    forget: writing((s, p: readonly string[]) => s.forget(p)),
    unforget: writing((s, p: readonly string[]) => s.unforget(p)),
    claimDueJoins: writing((s, now: number, limit: number, lease: number) => s.claimDueJoins(now, limit, lease)),
    completeJoins: writing((s, ids: readonly string[]) => s.completeJoins(ids)),
    logServedList: writing((s, id: string, list: Uint8Array, ttl: number) => s.logServedList(id, list, ttl)),
    countSearch: writing((s, day: string, query: string, found: boolean) => s.countSearch(day, query, found)),
    readSearchCounts: (days) => current.readSearchCounts(days),
    peek: (r) => current.peek(r),
    readForRanking: (r) => current.readForRanking(r),
    neighbours: (item, limit) => current.neighbours(item, limit),
    evictStaleProfiles: writing((s, cutoff: number) => s.evictStaleProfiles(cutoff)),
    close: () => current.close(),
  };
}

describeUserStateStoreContract('in memory, snapshotted (binary, as files are written) and restored after every write', async (settings) => ({ store: restartingStore(settings), cleanup: async () => undefined }));

describe('memory state snapshot files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'state-snapshot-'));

  it('returns undefined when there is no snapshot yet, and round-trips through a file', async () => {
    const file = join(dir, 'state', 'user-state.json');
    expect(await loadMemoryStateSnapshot(new MemoryUserStateStore(DEFAULT_STORE_SETTINGS), file)).toBeUndefined();
    const store = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    await store.forget(['k1:someone']);
    expect((await saveMemoryStateSnapshot(store, file)).bytes).toBeGreaterThan(0);
    const restored = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    const loaded = await loadMemoryStateSnapshot(restored, file);
    expect(loaded?.fields).toBe(Object.keys(store.stateFields()).length);
    // A forgotten user's events are refused by prepare: the mark survived.
    expect((await restored.prepare({ dedup: [], pseudonyms: ['k1:someone'], internItems: [] })).users.map((u) => u.forgotten)).toEqual([true]);
  });

  it('still reads a v1 (JSON) snapshot, and the same state either way', async () => {
    const store = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    await store.forget(['k1:gone']);
    const { refs } = await store.prepare({ dedup: [], pseudonyms: [], internItems: ['a', 'b'] });
    expect(refs).toHaveLength(2);
    const file = join(dir, 'v1.json');
    writeFileSync(file, encodeMemoryState(store, new Date(0), [{ topic: 't', groupId: 'g', offset: 7 }]));
    const fromJson = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    expect(await loadMemoryStateSnapshot(fromJson, file)).toMatchObject({ positions: [{ topic: 't', groupId: 'g', offset: 7 }] });
    const fromBinary = new MemoryUserStateStore(DEFAULT_STORE_SETTINGS);
    restoreMemoryState(fromBinary, encodeMemoryStateBinary(store, new Date(0), []));
    expect(encodeMemoryState(fromJson, new Date(0))).toBe(encodeMemoryState(store, new Date(0)));
    expect(encodeMemoryState(fromBinary, new Date(0))).toBe(encodeMemoryState(store, new Date(0)));
  });

  it('refuses a file that is not a snapshot, naming the problem', async () => {
    const file = join(dir, 'garbage.json');
    writeFileSync(file, '{"format":"something-else","fields":{}}');
    await expect(loadMemoryStateSnapshot(new MemoryUserStateStore(DEFAULT_STORE_SETTINGS), file)).rejects.toThrow(/not a user-state snapshot \(format something-else/);
    writeFileSync(file, '{truncated');
    await expect(loadMemoryStateSnapshot(new MemoryUserStateStore(DEFAULT_STORE_SETTINGS), file)).rejects.toThrow(/not a user-state snapshot: /);
    writeFileSync(file, Buffer.concat([Buffer.from('shopsense.memory-user-state.v2\n'), Buffer.from([0xff, 0x0f, 0x6f])]));
    await expect(loadMemoryStateSnapshot(new MemoryUserStateStore(DEFAULT_STORE_SETTINGS), file)).rejects.toThrow(/not a user-state snapshot: shopsense.memory-user-state.v2 data/);
  });
});
