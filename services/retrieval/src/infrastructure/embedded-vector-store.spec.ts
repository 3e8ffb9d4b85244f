import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeVectorStoreContract } from '../testing/vector-store.contract';
import { EmbeddedVectorStore } from './embedded-vector-store';

const dirs = new WeakMap<object, string>();

describeVectorStoreContract('embedded (hnswlib, on disk)', {
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'vectors-'));
    const store = new EmbeddedVectorStore({ dataDir: dir });
    dirs.set(store, dir);
    return store;
  },
  async reopen(store) {
    await store.close();
    const next = new EmbeddedVectorStore({ dataDir: dirs.get(store)! });
    dirs.set(next, dirs.get(store)!);
    return next;
  },
});
