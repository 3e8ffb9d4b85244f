import { explainItem, reasonForFeature, visibleContributions } from './explanations';
import { FEATURE_NAMES } from './features';
import type { Contribution } from './ftrl';

const term = (feature: string, contribution: number, value = 1): Contribution => ({ feature, value, contribution });

describe('explanations', () => {
  it('turns the strongest positive contributions into distinct reasons, strongest first', () => {
    const reasons = explainItem({
      contributions: [term('bias', 2), term('retrieval_lexical_score', 0.4), term('query_item_cosine', 0.9), term('user_item_cosine_long', 0.6), term('trend', 0.3), term('price_fit', -0.5)],
      sources: ['lexical'],
      queryText: 'running shoes',
    });
    expect(reasons).toEqual(["matches 'running shoes'", 'similar to items you viewed', 'popular right now']);
  });

  it('skips nudges below the threshold and honours the maximum', () => {
    const contributions = [term('trend', 0.01), term('price_fit', 0.2), term('freshness', 0.3), term('popularity', 0.25)];
    expect(explainItem({ contributions, sources: [], queryText: '' })).toEqual(['new arrival', 'popular with shoppers', 'within your price range']);
    expect(explainItem({ contributions, sources: [], queryText: '' }, { maxReasons: 1 })).toEqual(['new arrival']);
    expect(explainItem({ contributions, sources: [], queryText: '' }, { minContribution: 0.26 })).toEqual(['new arrival']);
  });

  it('falls back to the retrieval sources when the model says nothing', () => {
    expect(explainItem({ contributions: [], sources: ['dense', 'co_occurrence', 'popularity', 'request'], queryText: 'sony headphones' })).toEqual([
      "matches 'sony headphones'",
      'often chosen with items you viewed',
      'popular with shoppers',
    ]);
    expect(explainItem({ contributions: [], sources: ['lexical'], queryText: '' })).toEqual([]);
  });

  it('shortens a long query', () => {
    const reason = reasonForFeature('retrieval_dense_score', `  a ${'very '.repeat(20)} long query `)!;
    expect(reason.length).toBeLessThan(60);
    expect(reason).toMatch(/^matches 'a very very .*…'$/);
  });

  it('has a reason for every shopper-facing feature and none for technical ones', () => {
    const silent = FEATURE_NAMES.filter((name) => reasonForFeature(name, 'q') === undefined);
    expect(silent.sort()).toEqual(['bias', 'channel_app', 'channel_other', 'channel_web', 'retrieval_rr']);
  });

  it('shows non-zero contributions by magnitude, which still add up to the score', () => {
    const terms = [term('bias', -2), term('a', 0), term('b', 0.5), term('c', -1.5)];
    const visible = visibleContributions(terms);
    expect(visible.map((t) => t.feature)).toEqual(['bias', 'c', 'b']);
    expect(visible.reduce((s, t) => s + t.contribution, 0)).toBeCloseTo(terms.reduce((s, t) => s + t.contribution, 0), 12);
  });
});
