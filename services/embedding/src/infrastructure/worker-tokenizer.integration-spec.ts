import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Tokenizer } from '@huggingface/tokenizers';
import { WorkerTokenizer } from './worker-tokenizer';

const modelDir = process.env['EMBEDDING_MODEL_DIR'];
if (!modelDir) throw new Error('EMBEDDING_MODEL_DIR is not set: run scripts/model/fetch-model.sh (npm test does)');
const tokenizerFile = join(modelDir, 'tokenizer.json');
const MAX_LENGTH = 16;

describe('WorkerTokenizer (the model\u2019s tokenizer on a worker thread)', () => {
  let tokenizer: WorkerTokenizer;
  let heapGrowthMb: number;

  beforeAll(async () => {
    const before = process.memoryUsage().heapUsed;
    tokenizer = await WorkerTokenizer.create({ tokenizerFile, maxLength: MAX_LENGTH });
    heapGrowthMb = (process.memoryUsage().heapUsed - before) / 1e6;
  });
  afterAll(async () => {
    await tokenizer?.close();
  });

  it('gives the ids the same tokenizer gives on this thread, English and Chinese, special tokens included', async () => {
    const texts = ['query: red running shoes', 'passage: 女款 防水 运动鞋', 'query: Nike Air Zoom'];
    const local = new Tokenizer(JSON.parse(readFileSync(tokenizerFile, 'utf8')) as object, {});
    expect(await tokenizer.tokenize(texts)).toEqual(texts.map((text) => local.encode(text).ids));
  });

  it('keeps the vocabulary out of the main thread\u2019s heap', () => {
    // On this thread the tokenizer of the multilingual model takes about 160 MB.
    expect(heapGrowthMb).toBeLessThan(40);
  });

  it('truncates to the maximum length and keeps the closing special token', async () => {
    const [ids] = await tokenizer.tokenize(['passage: ' + 'waterproof hiking boots for the mountains '.repeat(10)]);
    expect(ids).toHaveLength(MAX_LENGTH);
    expect(ids![MAX_LENGTH - 1]).toBe(2); // </s>
  });

  it('starts a new worker after one dies: the calls it had fail, the next ones succeed', async () => {
    // Enough work that the worker is still at it when it dies (one query takes well under a millisecond).
    const pending = tokenizer.tokenize(Array.from({ length: 5_000 }, (_, i) => `passage: stainless steel insulated water bottle ${i}`));
    // A crash, as the main thread sees one: the worker thread is gone.
    await (tokenizer as unknown as { worker: { worker: Worker } }).worker.worker.terminate();
    await expect(pending).rejects.toThrow(/tokenizer worker exited/);
    expect((await tokenizer.tokenize(['query: mug']))[0]!.length).toBeGreaterThan(2);
    expect(tokenizer.restarts).toBe(1);
  });

  it('refuses to start on a tokenizer file that is not JSON, naming the file', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'tokenizer-')), 'tokenizer.json');
    writeFileSync(bad, '{ not json');
    await expect(WorkerTokenizer.create({ tokenizerFile: bad, maxLength: MAX_LENGTH })).rejects.toThrow(new RegExp(`cannot load ${bad}`));
  });
});
