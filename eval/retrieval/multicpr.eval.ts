/**
 * eval:multicpr — Chinese query/title matching on ../shared/datasets/multicpr-zh: for each
 * query, how often a matching title outranks a non-matching one (pairwise accuracy), scored
 * by the retrieval service's lexical index (BM25F with jieba), by dense vectors (the
 * embedding model), and by their reciprocal-rank fusion (hybrid), beside a trivial baseline
 * (character overlap between query and title).
 *
 *   npm run eval:multicpr        (EMBEDDING_MODEL_DIR or the fetched default model)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { evaluateMultiCpr } from '../../services/retrieval/src/application/multicpr-evaluation';
import { OnnxTextEncoder } from '../../services/embedding/src/infrastructure/onnx-text-encoder';
import { normalizeForEmbedding } from '../../services/embedding/src/domain/text-normalization';
import { loadMultiCpr } from '@shopsense/datasets';
import { writeEvaluationSection } from '../lib/evaluation-doc';

async function main(): Promise<void> {
  const pairs = loadMultiCpr();
  const modelDir = process.env['EMBEDDING_MODEL_DIR'] ?? execFileSync('bash', [join(__dirname, '../../scripts/model/fetch-model.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const encoder = await OnnxTextEncoder.load({ modelDir, modelFile: process.env['EMBEDDING_MODEL_FILE'] ?? 'model.onnx', device: 'cpu', cudaFallbackToCpu: false, intraOpThreads: 2, interOpThreads: 1 });
  const embed = async (texts: string[], kind: 'query' | 'document') => {
    const prefix = kind === 'query' ? encoder.manifest.queryPrefix : encoder.manifest.documentPrefix;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += 32) out.push(...(await encoder.encode(await encoder.tokenize(texts.slice(i, i + 32).map((t) => prefix + normalizeForEmbedding(t))))));
    return out;
  };
  const scores = await evaluateMultiCpr(pairs, embed);
  const r = (x: number) => x.toFixed(4);
  const table = [
    '| scorer | pairwise accuracy |',
    '| --- | --- |',
    `| baseline: character overlap | ${r(scores.baseline)} |`,
    `| lexical (BM25F, jieba) | ${r(scores.lexical)} |`,
    `| dense (${encoder.manifest.name}, ${encoder.quantization}) | ${r(scores.dense)} |`,
    `| hybrid (RRF of both) | ${r(scores.hybrid)} |`,
  ].join('\n');
  console.log(table);
  writeEvaluationSection(
    'multicpr',
    `## multicpr-zh query/title matching (\`npm run eval:multicpr\`)\n\n${scores.queries} real Taobao queries, ${scores.comparisons} (matching, non-matching) title pairs: the share where the matching title scores higher.\n\n${table}`,
  );
  console.log(JSON.stringify({ lexical: Number(r(scores.lexical)), dense: Number(r(scores.dense)), hybrid: Number(r(scores.hybrid)), baseline: Number(r(scores.baseline)), comparisons: scores.comparisons }));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
