import * as grpc from '@grpc/grpc-js';
import { EmbeddingKind, EmbeddingService } from '@shopsense/contracts';
import { loadMultiCpr, sharedDatasetAvailable } from '@shopsense/datasets';
import { createGrpcClient } from '@shopsense/grpc';
import { startServiceProcess, type StartedServiceProcess } from '@shopsense/testing';
import { evaluateMultiCpr } from './application/multicpr-evaluation';

const available = sharedDatasetAvailable('multicpr-zh');

(available ? describe : describe.skip)('multicpr-zh: matching titles above non-matching ones (../shared)', () => {
  let embedding: StartedServiceProcess;
  beforeAll(async () => {
    embedding = await startServiceProcess('services/embedding/src/main.ts', { EMBEDDING_MODEL_DIR: process.env['EMBEDDING_MODEL_DIR'], EMBEDDING_MODEL_FILE: 'model.int8.onnx' });
  }, 120_000);
  afterAll(async () => {
    embedding.child.kill('SIGTERM');
    await embedding.exited;
  });

  it('ranks matching titles higher for lexical, dense and hybrid scoring, and reports each', async () => {
    const client = createGrpcClient(EmbeddingService, `127.0.0.1:${embedding.grpcPort}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 120_000 });
    const embed = async (texts: string[], kind: 'query' | 'document') => {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += 64) {
        const r = await client.embed({ texts: texts.slice(i, i + 64), kind: kind === 'query' ? EmbeddingKind.QUERY : EmbeddingKind.DOCUMENT });
        out.push(...r.embeddings.map((e) => Float32Array.from(e.values)));
      }
      return out;
    };
    const scores = await evaluateMultiCpr(loadMultiCpr(), embed);
    client.close();
    process.stdout.write(`multicpr-zh pairwise accuracy: ${JSON.stringify(scores)}\n`);
    expect(scores.comparisons).toBeGreaterThan(300);
    expect(scores.lexical).toBeGreaterThan(0.9);
    expect(scores.dense).toBeGreaterThan(0.95);
    expect(scores.hybrid).toBeGreaterThanOrEqual(Math.min(scores.lexical, scores.dense));
  });
});

if (!available) it.skip('multicpr-zh evaluation: ../shared/datasets/multicpr-zh is absent, skipped', () => undefined);
