import { EmbeddingApplicationService } from './embedding.service';
import type { TextEncoder } from './text-encoder.port';

/** A fake model whose vector of a text is [its token count]; records what it was asked to encode. */
function fakeEncoder(delayMs = 20): TextEncoder & { encoded: number[][] } {
  const encoded: number[][] = [];
  return {
    manifest: { name: 'fake', version: 'v1', dimension: 1, maxLength: 64, pooling: 'mean', normalize: false, queryPrefix: 'q: ', documentPrefix: 'd: ' },
    device: 'cpu',
    quantization: 'fp32',
    encoded,
    tokenize: (text) => [...text].map((c) => c.charCodeAt(0)),
    encode: async (batch) => {
      encoded.push(...batch);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return batch.map((tokens) => Float32Array.from([tokens.length]));
    },
  };
}

// Texts wait up to 30 ms for company: long enough to cancel one before its batch runs.
const options = (queryCacheSize: number) => ({ limits: { maxTexts: 16, maxTextChars: 100 }, batcher: { maxBatchSize: 8, maxBulkBatchSize: 8, maxBatchTokens: 1000, maxWaitMs: 30, maxQueuedTexts: 100 }, queryCacheSize });
const far = () => Date.now() + 10_000;

describe('EmbeddingApplicationService', () => {
  it('computes a query once when two callers ask for it at the same time', async () => {
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
});
