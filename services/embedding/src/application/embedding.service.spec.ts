import { EmbeddingApplicationService } from './embedding.service';
import type { TextEncoder } from './text-encoder.port';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fake model whose vector of a text is [its token count]; records what it was asked to
 * tokenize and encode. Tokenizing takes `tokenizeMs`, as a round trip to the tokenizer worker does.
 */
function fakeEncoder(delayMs = 20, tokenizeMs = 5): TextEncoder & { encoded: number[][]; tokenized: string[]; failTokenizing?: Error } {
  const encoded: number[][] = [];
  const tokenized: string[] = [];
  const encoder: TextEncoder & { encoded: number[][]; tokenized: string[]; failTokenizing?: Error } = {
    manifest: { name: 'fake', version: 'v1', dimension: 1, maxLength: 64, pooling: 'mean', normalize: false, queryPrefix: 'q: ', documentPrefix: 'd: ' },
    device: 'cpu',
    quantization: 'fp32',
    encoded,
    tokenized,
    tokenize: async (texts) => {
      tokenized.push(...texts);
      await sleep(tokenizeMs);
      if (encoder.failTokenizing) throw encoder.failTokenizing;
      return texts.map((text) => [...text].map((c) => c.charCodeAt(0)));
    },
    encode: async (batch) => {
      encoded.push(...batch);
      await sleep(delayMs);
      return batch.map((tokens) => Float32Array.from([tokens.length]));
    },
  };
  return encoder;
}

// Texts wait up to 30 ms for company: long enough to cancel one before its batch runs.
const options = (queryCacheSize: number) => ({ limits: { maxTexts: 16, maxTextChars: 100 }, batcher: { maxBatchSize: 8, maxBulkBatchSize: 8, maxBatchTokens: 1000, maxPaddingRatio: 100, maxWaitMs: 30, maxQueuedTexts: 100 }, queryCacheSize });
const far = () => Date.now() + 10_000;

describe('EmbeddingApplicationService', () => {
  it('computes a query once when two callers ask for it at the same time (the second while the first is being tokenised)', async () => {
    const encoder = fakeEncoder();
    const service = new EmbeddingApplicationService(encoder, options(0));
    const [a, b] = await Promise.all([service.embed(['running shoes'], 'query', far()), service.embed(['running  shoes '], 'query', far())]);
    expect(encoder.encoded).toHaveLength(1);
    expect(a.vectors[0]).toEqual(b.vectors[0]);
    expect([a.tokenCount, b.tokenCount]).toEqual(['q: running shoes'.length, 0]);
  });

  it('does not share documents, and recomputes for a caller whose shared query was cancelled', async () => {
    const encoder = fakeEncoder();
    const service = new EmbeddingApplicationService(encoder, options(0));
    await Promise.all([service.embed(['a mug'], 'document', far()), service.embed(['a mug'], 'document', far())]);
    expect(encoder.encoded).toHaveLength(2);

    encoder.encoded.length = 0;
    const cancel = new AbortController();
    const first = service.embed(['coffee mug'], 'query', far(), cancel.signal);
    const second = service.embed(['coffee mug'], 'query', far());
    cancel.abort();
    await expect(first).rejects.toBeDefined();
    expect((await second).vectors[0]).toEqual(Float32Array.from(['q: coffee mug'.length]));
  });

  it('refuses work beyond the queue bound before tokenising it, counting texts the tokenizer still holds', async () => {
    const encoder = fakeEncoder(20, 50);
    const service = new EmbeddingApplicationService(encoder, { ...options(0), batcher: { ...options(0).batcher, maxQueuedTexts: 3 } });
    const first = service.embed(['one', 'two', 'three'], 'document', far());
    await expect(service.embed(['four'], 'document', far())).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(encoder.tokenized).not.toContain('d: four');
    expect((await first).vectors).toHaveLength(3);
    expect(service.batcherStats.rejectedFull).toBe(1);
  });

  it('fails a request whose tokenization fails as INTERNAL, naming the cause, and serves the next one', async () => {
    const encoder = fakeEncoder();
    const service = new EmbeddingApplicationService(encoder, options(0));
    encoder.failTokenizing = new Error('the tokenizer worker exited (code 1)');
    await expect(service.embed(['a mug'], 'query', far())).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/tokenization failed: the tokenizer worker exited/) });
    encoder.failTokenizing = undefined;
    expect((await service.embed(['a mug'], 'query', far())).vectors[0]).toEqual(Float32Array.from(['q: a mug'.length]));
  });
});
