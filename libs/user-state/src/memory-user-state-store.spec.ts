import { MemoryUserStateStore } from './memory-user-state-store';
import { describeUserStateStoreContract } from './testing/user-state-store.contract';

describeUserStateStoreContract('in memory', async (settings) => ({ store: new MemoryUserStateStore(settings), cleanup: async () => undefined }));
