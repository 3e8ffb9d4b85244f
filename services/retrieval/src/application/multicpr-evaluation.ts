import type { QueryTitlePair } from '@shopsense/datasets';
import { pairwiseAccuracy } from '@shopsense/datasets';
import { Bm25Index } from '../domain/bm25-index';
import { reciprocalRankFusion } from '../domain/fusion';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot; // both vectors are L2-normalised
}

/**
 * The multicpr-zh protocol (../shared/datasets/multicpr-zh): for each real Taobao query, how
 * often a matching title outranks a non-matching one, scored four ways with this service's
 * own scoring: BM25F (lexical), query-title cosine (dense), their reciprocal-rank fusion
 * (hybrid), and a character-overlap baseline.
 */
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

