/**
 * eval:suggest — how well Suggest completes what shoppers type, on a labelled set of prefixes
 * written by hand from the demo catalog and the shared Amazon "Industrial & Scientific" catalog:
 * English, Chinese, pinyin (full, with a space, initials) and misspelled prefixes, each with the
 * phrase(s) a shopper typing it is after (eval/suggest/prefixes.jsonl).
 *
 *   npm run eval:suggest
 *
 * Builds the suggestion index the service builds (QuerySuggestions over the catalog), asks for
 * 10 suggestions per prefix and reports MRR, HR@1 and HR@10 (recall@10: a wanted phrase in the
 * list), per kind of prefix, beside the most-popular-completion baseline on the same prefixes:
 * the catalog's category names, brands and titles that start with the prefix, most products
 * first (MPC, the standard query auto-completion baseline).
 *
 * `zero_result_suggestions` checks every suggestion returned against a brute-force scan of the
 * catalog: a suggestion with no product whose title, brand or a category name holds its words
 * in order would send the shopper to an empty page. Writes docs/evaluation.md; the last line
 * printed is one JSON object.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDemoProducts } from '@shopsense/datasets';
import { createLogger } from '@shopsense/observability';
import { QuerySuggestions } from '../../services/query-understanding/src/application/query-suggestions';
import { toCatalogProduct } from '../../services/query-understanding/src/application/catalog-sync';
import type { CatalogProduct } from '../../services/query-understanding/src/domain/catalog/catalog-snapshot';
import { normalizeQuery } from '../../services/query-understanding/src/domain/text/normalize-query';
import { TextAnalyzer } from '../../services/query-understanding/src/domain/text/text-analyzer';
import { JiebaSegmenter } from '../../services/query-understanding/src/infrastructure/jieba-segmenter';
import { PinyinProReader } from '../../services/query-understanding/src/infrastructure/pinyin-pro-reader';
import { markdownTable } from '../../bench/lib/benchmarks-doc';
import { loadAmazonCatalog } from '../qu/amazon-catalog';
import { writeEvaluationSection } from '../lib/evaluation-doc';
import { mostPopularCompletion } from './most-popular-completion';

const K = 10;
const TARGET_MRR = 0.8;

interface LabelledPrefix {
  catalog: 'demo' | 'amazon';
  kind: 'en' | 'zh' | 'pinyin' | 'typo';
  prefix: string;
  want: string[];
}

interface Scores {
  prefixes: number;
  mrr: number;
  hrAt1: number;
  hrAt10: number;
}

function loadLabels(): LabelledPrefix[] {
  return readFileSync(join(__dirname, 'prefixes.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledPrefix);
}

function score(lists: { ranked: string[]; want: string[] }[]): Scores {
  let rr = 0;
  let at1 = 0;
  let at10 = 0;
  for (const { ranked, want } of lists) {
    const wanted = new Set(want.map(normalizeQuery));
    const rank = ranked.slice(0, K).findIndex((text) => wanted.has(text));
    if (rank >= 0) {
      rr += 1 / (rank + 1);
      at10++;
      if (rank === 0) at1++;
    }
  }
  const n = lists.length || 1;
  return { prefixes: lists.length, mrr: round(rr / n), hrAt1: round(at1 / n), hrAt10: round(at10 / n) };
}

/**
 * Whether any product holds the phrase: its words in order in the title, brand or a category
 * name, compared by the analyzer's keys (so "running shoe" finds "Running Shoes"), or for Chinese
 * as characters (segmentation may cut a phrase differently in a title).
 */
function productMatcher(products: readonly CatalogProduct[], analyzer: TextAnalyzer): (phrase: string) => boolean {
  const keysOf = (text: string) => ` ${analyzer.tokenize(normalizeQuery(text)).map((t) => t.key).join(' ')} `;
  const fields = products.flatMap((p) => [p.title, p.brand, ...p.categoryPath]).filter((f) => f.trim() !== '');
  const keyed = fields.map(keysOf);
  const han = fields.map((f) => normalizeQuery(f).replace(/\s+/g, ''));
  return (phrase) => {
    const keys = keysOf(phrase);
    const chars = phrase.replace(/\s+/g, '');
    return keyed.some((k) => k.includes(keys)) || (/\p{Script=Han}/u.test(phrase) && han.some((h) => h.includes(chars)));
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function main(): Promise<void> {
  const logger = createLogger('eval-suggest', 'warn');
  const labels = loadLabels();
  const catalogs: Record<LabelledPrefix['catalog'], CatalogProduct[] | undefined> = {
    demo: loadDemoProducts().map(toCatalogProduct).filter((p): p is CatalogProduct => typeof p !== 'string'),
    amazon: loadAmazonCatalog(),
  };
  const results: { label: LabelledPrefix; ranked: string[]; baseline: string[] }[] = [];
  let suggestionsChecked = 0;
  let zeroResult = 0;
  const zeroResultExamples: string[] = [];
  const builds: string[] = [];
  for (const catalog of ['demo', 'amazon'] as const) {
    const products = catalogs[catalog];
    const own = labels.filter((l) => l.catalog === catalog);
    if (!products) {
      console.log(`${catalog}: catalog not available (../shared missing), ${own.length} prefixes skipped`);
      continue;
    }
    const analyzer = new TextAnalyzer(new JiebaSegmenter());
    const suggestions = new QuerySuggestions(analyzer, new PinyinProReader(), logger);
    const started = performance.now();
    await suggestions.rebuild(products);
    builds.push(`${catalog}: ${products.length} products → ${suggestions.phrases} phrases in ${Math.round(performance.now() - started)} ms`);
    const matches = productMatcher(products, analyzer);
    const baseline = mostPopularCompletion(products, K);
    for (const label of own) {
      const ranked = suggestions.suggest(label.prefix, K).map((s) => s.text);
      for (const text of ranked) {
        suggestionsChecked++;
        if (!matches(text)) {
          zeroResult++;
          if (zeroResultExamples.length < 10) zeroResultExamples.push(`${label.prefix} → ${text}`);
        }
      }
      results.push({ label, ranked, baseline: baseline(label.prefix) });
    }
  }

  const groups = [...new Set(results.map((r) => `${r.label.catalog}/${r.label.kind}`))];
  const rows = groups.map((group) => {
    const members = results.filter((r) => `${r.label.catalog}/${r.label.kind}` === group);
    const ours = score(members.map((r) => ({ ranked: r.ranked, want: r.label.want })));
    const mpc = score(members.map((r) => ({ ranked: r.baseline, want: r.label.want })));
    return [group, ours.prefixes, ours.mrr, ours.hrAt1, ours.hrAt10, mpc.mrr, mpc.hrAt10];
  });
  const overall = score(results.map((r) => ({ ranked: r.ranked, want: r.label.want })));
  const overallBaseline = score(results.map((r) => ({ ranked: r.baseline, want: r.label.want })));
  rows.push(['all', overall.prefixes, overall.mrr, overall.hrAt1, overall.hrAt10, overallBaseline.mrr, overallBaseline.hrAt10]);
  const misses = results.filter((r) => !r.ranked.slice(0, K).some((t) => r.label.want.map(normalizeQuery).includes(t)));

  const table = markdownTable(['catalog/prefixes', 'n', 'MRR', 'HR@1', 'HR@10', 'MPC MRR', 'MPC HR@10'], rows);
  console.log(table);
  for (const line of builds) console.log(line);
  console.log(`suggestions checked against the catalog: ${suggestionsChecked}, with no product: ${zeroResult}${zeroResultExamples.length ? ` (${zeroResultExamples.join('; ')})` : ''}`);
  if (misses.length > 0) console.log(`missed (wanted phrase not in the top ${K}): ${misses.map((m) => `${m.label.prefix} → [${m.ranked.slice(0, 3).join(', ')}]`).join('; ')}`);

  writeEvaluationSection(
    'suggest',
    [
      '## Suggest (query auto-completion)',
      '',
      `\`npm run eval:suggest\`: ${results.length} prefixes written by hand (eval/suggest/prefixes.jsonl) from the demo catalog and the shared Amazon "Industrial & Scientific" catalog, each with the phrase a shopper typing it is after; 10 suggestions asked per prefix. Baseline: most popular completion (MPC) over the catalog's category names, brands and titles.`,
      '',
      table,
      '',
      ...builds.map((b) => `- ${b}`),
      `- ${suggestionsChecked} suggestions checked against a brute-force scan of the catalog: ${zeroResult} with no product holding their words.`,
      `- Target: MRR ≥ ${TARGET_MRR} and no suggestion without a product.`,
      '',
    ].join('\n'),
  );
  console.log(
    JSON.stringify({
      mrr: overall.mrr,
      hr_at_1: overall.hrAt1,
      hr_at_10: overall.hrAt10,
      zero_result_suggestions: zeroResult,
      suggestions_checked: suggestionsChecked,
      prefixes: overall.prefixes,
      baseline_mrr: overallBaseline.mrr,
      baseline_hr_at_10: overallBaseline.hrAt10,
      target_mrr: TARGET_MRR,
      by_kind: Object.fromEntries(groups.map((g, i) => [g, { mrr: rows[i][2], hr_at_10: rows[i][4] }])),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
