import { standaloneInferenceThreads } from './inference-threads';

describe('standaloneInferenceThreads', () => {
  it('leaves one core to the event loop, and never goes below one thread', () => {
    expect(standaloneInferenceThreads({}, 2)).toBe('1');
    expect(standaloneInferenceThreads({}, 8)).toBe('7');
    expect(standaloneInferenceThreads({}, 1)).toBe('1');
  });

  it('keeps a value the operator set', () => {
    expect(standaloneInferenceThreads({ EMBEDDING_INTRA_OP_THREADS: '2' }, 2)).toBe('2');
  });
});
