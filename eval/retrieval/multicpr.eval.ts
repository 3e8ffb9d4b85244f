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
import { Bm25Index } from '../../services/retrieval/src/domain/bm25-index';
import { reciprocalRankFusion } from '../../services/retrieval/src/domain/fusion';
import { OnnxTextEncoder } from '../../services/embedding/src/infrastructure/onnx-text-encoder';
import { cosine } from '../../services/embedding/src/domain/pooling';
import { normalizeForEmbedding } from '../../services/embedding/src/domain/text-normalization';
import { loadMultiCpr, pairwiseAccuracy, type QueryTitlePair } from '@shopsense/datasets';
import { writeEvaluationSection } from '../lib/evaluation-doc';

export interface MultiCprScores {
  baseline: number;
  lexical: number;
  dense: number;
  hybrid: number;
  comparisons: number;
  queries: number;
}

/** Scores every (query, title) pair four ways and returns the pairwise accuracy of each. */
export async function evaluateMultiCpr(pairs: readonly QueryTitlePair[], embed: (texts: string[], kind: 'query' | 'document') => Promise<Float32Array[]>): Promise<MultiCprScores> {
  const lexical = new Bm25Index();
  pairs.forEach((p, i) => lexical.upsert({ id: String(i), title: p.title, brand: '', category: '', description: '' }));
  const queries = [...new Set(pairs.map((p) => p.query))];
  const queryVectors = new Map((await embed(queries, 'query')).map((v, i) => [queries[i]!, v]));
  const titleVectors = await embed(pairs.map((p) => p.title), 'document');

  const lexicalScore = new Map<number, number>();
  const denseScore = new Map<number, number>();
  const hybridScore = new Map<number, number>();
  for (const query of queries) {
    const members = pairs.map((p, i) => ({ p, i })).filter((x) => x.p.query === query);
    const inQuery = new Set(members.map((m) => String(m.i)));
    const lex = lexical.search(query, pairs.length, (id) => inQuery.has(id));
    for (const hit of lex) lexicalScore.set(Number(hit.id), hit.score);
    const dense = members.map((m) => ({ id: String(m.i), score: cosine(queryVectors.get(query)!, titleVectors[m.i]!) })).sort((a, b) => b.score - a.score);
    for (const hit of dense) denseScore.set(Number(hit.id), hit.score);
    for (const c of reciprocalRankFusion([{ source: 'dense', weight: 1, items: dense }, { source: 'lexical', weight: 1, items: lex }])) hybridScore.set(Number(c.id), c.score);
  }
  const overlap = (p: QueryTitlePair) => [...new Set(p.query)].filter((ch) => p.title.includes(ch)).length / new Set(p.query).size;
  const acc = (score: (p: QueryTitlePair, i: number) => number) => pairwiseAccuracy(pairs, score);
  const base = acc(overlap);
  return {
    baseline: base.accuracy,
    lexical: acc((_, i) => lexicalScore.get(i) ?? 0).accuracy,
    dense: acc((_, i) => denseScore.get(i) ?? -1).accuracy,
    hybrid: acc((_, i) => hybridScore.get(i) ?? 0).accuracy,
    comparisons: base.comparisons,
    queries: queries.length,
  };
}

async function main(): Promise<void> {
  const pairs = loadMultiCpr();
  const modelDir = process.env['EMBEDDING_MODEL_DIR'] ?? execFileSync('bash', [join(__dirname, '../../scripts/model/fetch-model.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const encoder = await OnnxTextEncoder.load({ modelDir, modelFile: process.env['EMBEDDING_MODEL_FILE'] ?? 'model.onnx', device: 'cpu', cudaFallbackToCpu: false, intraOpThreads: 2, interOpThreads: 1 });
  const embed = async (texts: string[], kind: 'query' | 'document') => {
    const prefix = kind === 'query' ? encoder.manifest.queryPrefix : encoder.manifest.documentPrefix;
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += 32) out.push(...(await encoder.encode(texts.slice(i, i + 32).map((t) => encoder.tokenize(prefix + normalizeForEmbedding(t))))));
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
