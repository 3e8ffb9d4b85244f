import { adjustRelevance, applyBusinessRules, hideItems, matchesItem, matchesQueryPattern, parseBusinessRules, parseCategoryPrefix, pinnedItemIds, placePins, type BusinessRules, type RuleContext, type RuleItem, type RuleScope } from './business-rules';
import { ConfigValidationError } from './config-validation';

const context = (overrides: Partial<RuleContext> = {}): RuleContext => ({ surface: 'search', channel: 'web', query: 'running shoes', purchasedItemIds: new Set(), ...overrides });
const item = (id: string, relevance: number, extra: Partial<RuleItem> = {}): RuleItem => ({ id, relevance, ...extra });
const ids = (items: readonly RuleItem[]) => items.map((i) => i.id);
const rules = (json: unknown): BusinessRules => parseBusinessRules(json);

function issuesOf(json: unknown): string[] {
  try {
    parseBusinessRules(json);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe('parseBusinessRules', () => {
  it('reads a full document', () => {
    const parsed = rules({
      hideOutOfStock: true,
      excludePurchased: true,
      rules: [
        { type: 'pin', itemId: 'p1', position: 0, when: { channels: ['web'], surfaces: ['search'], queries: ['running shoes'] } },
        { type: 'boost', match: { brand: 'Acme' }, multiply: 1.5 },
        { type: 'bury', match: { categoryPrefix: 'Electronics > Refurbished' }, add: -0.1 },
      ],
    });
    expect(parsed).toEqual({
      hideOutOfStock: true,
      excludePurchased: true,
      rules: [
        { type: 'pin', itemId: 'p1', position: 0, when: { channels: ['web'], surfaces: ['search'], queries: ['running shoes'] } },
        { type: 'boost', match: { brand: 'Acme' }, multiply: 1.5 },
        { type: 'bury', match: { categoryPrefix: ['electronics', 'refurbished'] }, add: -0.1 },
      ],
    });
  });

  it('defaults everything off', () => {
    expect(rules({})).toEqual({ hideOutOfStock: false, excludePurchased: false, rules: [] });
  });

  it('names the path of every problem', () => {
    expect(
      issuesOf({
        hideOutOfStock: 'yes',
        colour: 1,
        rules: [
          { type: 'pin', itemId: '', position: -1 },
          { type: 'boost', match: { brand: 'a', itemId: 'b' }, multiply: 2 },
          { type: 'boost', match: { brand: 'a' }, multiply: 0.5 },
          { type: 'bury', match: { brand: 'a' }, add: 0.2 },
          { type: 'bury', match: { brand: 'a' }, add: -1, multiply: 0.5 },
          { type: 'promote' },
          { type: 'pin', itemId: 'x', position: 1, when: { surfaces: ['home'] } },
        ],
      }),
    ).toEqual([
      'colour: unknown key (allowed: hideOutOfStock, excludePurchased, rules)',
      'hideOutOfStock: must be true or false (got "yes")',
      'rules[0].itemId: must be a non-empty string (got "")',
      'rules[0].position: must be >= 0 and <= 1000 (got -1)',
      'rules[1].match: must have exactly one of itemId, brand, categoryPrefix (got brand, itemId)',
      'rules[2].multiply: must be >= 1 (got 0.5)',
      'rules[3].add: must be <= 0 (got 0.2)',
      'rules[4]: must have exactly one of multiply, add',
      'rules[5].type: must be "pin", "boost" or "bury" (got "promote")',
      'rules[6].when.surfaces[0]: must be one of search, recommend, rank (got "home")',
    ]);
    expect(issuesOf([])).toEqual(['(root): must be an object (got an array)']);
    expect(issuesOf({ rules: [{ type: 'bury', match: { categoryPrefix: ' / ' }, multiply: 0.5 }] })).toEqual(['rules[0].match.categoryPrefix: must name at least one category segment']);
  });
});

describe('matching and scope', () => {
  it('matches by id, brand (case-insensitive) and category prefix', () => {
    const shoe = item('s1', 1, { brand: 'ACME ', categoryPath: ['Sports', 'Running', 'Shoes'] });
    expect(matchesItem({ itemId: 's1' }, shoe)).toBe(true);
    expect(matchesItem({ brand: 'acme' }, shoe)).toBe(true);
    expect(matchesItem({ categoryPrefix: ['sports', 'running'] }, shoe)).toBe(true);
    expect(matchesItem({ categoryPrefix: ['sports', 'tennis'] }, shoe)).toBe(false);
    expect(matchesItem({ categoryPrefix: ['sports', 'running', 'shoes', 'trail'] }, shoe)).toBe(false);
    expect(matchesItem({ brand: 'acme' }, item('x', 1))).toBe(false);
    expect(parseCategoryPrefix('Sports/Running > Shoes')).toEqual(['sports', 'running', 'shoes']);
  });

  it('applies a rule only in its channels, surfaces and queries', () => {
    const scoped = rules({ rules: [{ type: 'pin', itemId: 'p', position: 0, when: { channels: ['ios'], queries: ['Running Shoes'] } }] });
    expect(pinnedItemIds(scoped, context({ channel: 'iOS' }))).toEqual(['p']);
    expect(pinnedItemIds(scoped, context({ channel: 'web' }))).toEqual([]);
    expect(pinnedItemIds(scoped, context({ channel: 'ios', query: 'sandals' }))).toEqual([]);
  });
});

describe('applying rules', () => {
  const candidates = [
    item('a', 0.5, { brand: 'acme' }),
    item('b', 0.4, { inStock: false }),
    item('c', 0.3, { categoryPath: ['refurbished', 'phones'] }),
    item('d', 0.2),
    item('e', 0.1),
  ];

  it('hides out-of-stock and purchased items when configured, never pinned ones, never on the rank surface', () => {
    const config = rules({ hideOutOfStock: true, excludePurchased: true, rules: [{ type: 'pin', itemId: 'd', position: 0 }] });
    const ctx = context({ purchasedItemIds: new Set(['c', 'd']) });
    const { kept, hidden } = hideItems(candidates, config, ctx);
    expect(ids(kept)).toEqual(['a', 'd', 'e']);
    expect(hidden).toEqual([
      { id: 'b', reason: 'out_of_stock' },
      { id: 'c', reason: 'purchased' },
    ]);
    expect(ids(hideItems(candidates, config, { ...ctx, surface: 'rank' }).kept)).toEqual(['a', 'b', 'c', 'd', 'e']);
    // Unknown stock stays.
    expect(ids(hideItems([item('x', 1)], config, ctx).kept)).toEqual(['x']);
  });

  it('boosts and buries in configuration order', () => {
    const config = rules({
      rules: [
        { type: 'boost', match: { brand: 'acme' }, multiply: 2 },
        { type: 'boost', match: { brand: 'acme' }, add: 0.1 },
        { type: 'bury', match: { categoryPrefix: 'refurbished' }, multiply: 0 },
      ],
    });
    const adjusted = adjustRelevance(candidates, config, context());
    expect(adjusted[0]!.relevance).toBeCloseTo(1.1); // (0.5 × 2) + 0.1, not (0.5 + 0.1) × 2
    expect(adjusted[2]!.relevance).toBe(0);
    expect(adjusted[3]).toBe(candidates[3]); // untouched items are not copied
    expect(candidates[0]!.relevance).toBe(0.5);
  });

  it('places pins at their positions, shifting the rest, clamping to the end, resolving collisions in order', () => {
    const ordered = candidates.map((c) => item(c.id, c.relevance));
    const config = rules({
      rules: [
        { type: 'pin', itemId: 'e', position: 0 },
        { type: 'pin', itemId: 'd', position: 0 },
        { type: 'pin', itemId: 'a', position: 99 },
        { type: 'pin', itemId: 'missing', position: 2 },
      ],
    });
    const { items, pinned } = placePins(ordered, config, context());
    expect(ids(items)).toEqual(['e', 'd', 'b', 'c', 'a']);
    expect(pinned).toEqual(['e', 'd', 'a']);
  });

  it('runs hide → adjust → order → pin, and pins win over buries', () => {
    const config = rules({
      hideOutOfStock: true,
      rules: [
        { type: 'bury', match: { itemId: 'a' }, multiply: 0 },
        { type: 'boost', match: { itemId: 'e' }, add: 1 },
        { type: 'pin', itemId: 'a', position: 1 },
      ],
    });
    const outcome = applyBusinessRules(candidates, config, context());
    expect(ids(outcome.items)).toEqual(['e', 'a', 'c', 'd']);
    expect(outcome.hidden).toEqual([{ id: 'b', reason: 'out_of_stock' }]);
    expect(outcome.pinned).toEqual(['a']);
  });

  it('lets the caller replace the ordering step (MMR goes here)', () => {
    const reversed = applyBusinessRules(candidates, rules({}), context(), (items) => [...items].reverse());
    expect(ids(reversed.items)).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  it('keeps every item exactly once, whatever the pins', () => {
    const config = rules({ rules: [0, 1, 2, 3, 4, 5].map((p) => ({ type: 'pin', itemId: ['a', 'b', 'c', 'd', 'e', 'a'][p], position: 4 - (p % 5) })) });
    const outcome = applyBusinessRules(candidates, config, context());
    expect([...ids(outcome.items)].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('the rules of MerchandisingService (ids, hide, attributes, patterns, categories, schedules)', () => {
  it('matches query patterns on the typed query: exact, prefix, suffix and inner wildcards', () => {
    expect(matchesQueryPattern('running shoes', 'running shoes')).toBe(true);
    expect(matchesQueryPattern('running shoes', 'running shoes men')).toBe(false);
    expect(matchesQueryPattern('running shoes*', 'running shoes men')).toBe(true);
    expect(matchesQueryPattern('*nike*', 'red nike shoes')).toBe(true);
    expect(matchesQueryPattern('*nike*', 'red adidas shoes')).toBe(false);
    expect(matchesQueryPattern('a*b*c', 'abc')).toBe(true);
    expect(matchesQueryPattern('ab*bc', 'abc')).toBe(false); // the two ends must not overlap
    expect(matchesQueryPattern('*shoes', 'shoes for running')).toBe(false);
    const scoped: BusinessRules = { hideOutOfStock: false, excludePurchased: false, rules: [{ type: 'pin', id: 'r', itemId: 'p9', position: 0, when: { queryPatterns: ['Running  Shoes*'] } }] };
    expect(pinnedItemIds(scoped, context({ query: 'shoes', typedQuery: 'running   shoes for men' }))).toEqual(['p9']);
    expect(pinnedItemIds(scoped, context({ query: 'running shoes', typedQuery: 'trail running shoes' }))).toEqual([]);
    // Recommendations have no query: a rule for queries never applies there.
    expect(pinnedItemIds({ ...scoped, rules: [{ ...scoped.rules[0]!, when: { queryPatterns: ['*'] } }] }, context({ surface: 'recommend', query: '', typedQuery: '' }))).toEqual([]);
  });

  it('applies a category rule when the request is within the category, and a scheduled rule only in its window', () => {
    const pin = (when: RuleScope): BusinessRules => ({ hideOutOfStock: false, excludePurchased: false, rules: [{ type: 'pin', itemId: 'p9', position: 0, when }] });
    const sports = pin({ categories: [['sports', 'running']] });
    expect(pinnedItemIds(sports, context({ categoryPath: ['Sports', 'Running', 'Shoes'] }))).toEqual(['p9']);
    expect(pinnedItemIds(sports, context({ categoryPath: ['Sports'] }))).toEqual([]);
    expect(pinnedItemIds(sports, context())).toEqual([]);
    const sale = pin({ startsAtMs: 1_000, endsAtMs: 2_000 });
    expect(pinnedItemIds(sale, context({ nowMs: 999 }))).toEqual([]);
    expect(pinnedItemIds(sale, context({ nowMs: 1_000 }))).toEqual(['p9']);
    expect(pinnedItemIds(sale, context({ nowMs: 2_000 }))).toEqual([]);
  });

  it('hides what a hide rule matches (by attribute, case-insensitive), never a pinned item, and says which rule hid it', () => {
    const set: BusinessRules = {
      hideOutOfStock: false,
      excludePurchased: false,
      rules: [
        { type: 'hide', id: 'no-refurb', match: { attribute: { name: 'condition', value: 'Refurbished' } } },
        { type: 'pin', id: 'hero', itemId: 'c', position: 0 },
      ],
    };
    const items = [item('a', 0.9, { attributes: { condition: 'refurbished' } }), item('b', 0.5, { attributes: { condition: 'new' } }), item('c', 0.1, { attributes: { condition: 'REFURBISHED' } }), item('d', 0.3)];
    const outcome = applyBusinessRules(items, set, context());
    expect(ids(outcome.items)).toEqual(['c', 'b', 'd']);
    expect(outcome.hidden).toEqual([{ id: 'a', reason: 'rule', ruleId: 'no-refurb' }]);
    expect(matchesItem({ attribute: { name: 'condition', value: 'new' } }, item('x', 1))).toBe(false);
    // Only the item's own attributes: not what every object inherits.
    for (const name of ['constructor', 'toString', '__proto__']) expect(matchesItem({ attribute: { name, value: 'x' } }, item('x', 1, { attributes: { color: 'red' } }))).toBe(false);
  });

  it('notes what each rule with an id did, for explanations; rules without an id (the file) leave no note', () => {
    const set: BusinessRules = {
      hideOutOfStock: false,
      excludePurchased: false,
      rules: [
        { type: 'boost', id: 'acme-week', match: { brand: 'acme' }, multiply: 2 },
        { type: 'bury', match: { brand: 'acme' }, multiply: 0.9 },
        { type: 'pin', id: 'hero', itemId: 'z', position: 0 },
      ],
    };
    const outcome = applyBusinessRules([item('a', 0.5, { brand: 'Acme' }), item('b', 0.6), item('z', 0.1)], set, context());
    expect(ids(outcome.items)).toEqual(['z', 'a', 'b']);
    expect(Object.fromEntries(outcome.notes)).toEqual({ a: ['boosted by rule acme-week'], z: ['pinned by rule hero'] });
  });
});
