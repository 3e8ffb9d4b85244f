import type { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { WorkerInferenceSession } from './worker-inference-session';

const modelDir = process.env['EMBEDDING_MODEL_DIR'];
if (!modelDir) throw new Error('EMBEDDING_MODEL_DIR is not set: run scripts/model/fetch-model.sh (npm test does)');

/** Three valid token ids (<s>, a word, </s>): these tests look at the shape of the output, not its values. */
const feeds = () => ({
  input_ids: { data: BigInt64Array.from([0n, 33600n, 2n]), dims: [1, 3] },
  attention_mask: { data: BigInt64Array.from([1n, 1n, 1n]), dims: [1, 3] },
});
const OUTPUTS = ['last_hidden_state', 'token_embeddings'];

describe('WorkerInferenceSession (the real model on a worker thread)', () => {
  let session: WorkerInferenceSession;

  beforeAll(async () => {
    session = await WorkerInferenceSession.create(join(modelDir, 'model.int8.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await session?.close();
  });

  it('runs the model and keeps the event loop free meanwhile', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const outputs = await Promise.all(Array.from({ length: 20 }, () => session.run(feeds(), OUTPUTS)));
    clearInterval(ticker);
    expect(outputs[0]!.dims).toEqual([1, 3, 384]);
    expect(outputs[0]!.data).toHaveLength(3 * 384);
    expect(ticks).toBeGreaterThan(0); // a session on this thread would not have let the timer fire
  });

  it('fails a malformed run alone, with the runtime\u2019s reason, and goes on', async () => {
    await expect(session.run({ input_ids: { data: BigInt64Array.from([1n, 2n]), dims: [3, 3] } }, OUTPUTS)).rejects.toThrow(/size|dims|length/i);
    expect((await session.run(feeds(), OUTPUTS)).dims).toEqual([1, 3, 384]);
  });

  it('starts a new worker after one dies: the next run succeeds', async () => {
    // The worker dies while idle. Killing it in the middle of an onnxruntime run aborts the whole
    // process ("terminate called after throwing an instance of 'Napi::Error'", seen under load),
    // so that a run pending at the death fails is tested on the tokenizer worker instead
    // (worker-tokenizer.integration-spec.ts): the same RestartingWorker drives both.
    await (session as unknown as { worker: { worker: Worker } }).worker.worker.terminate();
    expect((await session.run(feeds(), OUTPUTS)).dims).toEqual([1, 3, 384]);
    expect(session.restarts).toBe(1);
  });
});
