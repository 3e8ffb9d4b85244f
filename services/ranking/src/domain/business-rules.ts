import { ConfigReader, childPath, indexPath } from './config-validation';

/**
 * Merchandising rules from configuration: pin an item at a position, boost or bury items (by id,
 * brand or category prefix, multiplicatively or additively), hide out-of-stock items and exclude
 * what the user already bought.
 *
 * Apply order (applyBusinessRules):
 *   1. hide: out-of-stock items (inStock === false; unknown stock stays) when hideOutOfStock, and
 *      items in the user's purchases when excludePurchased. Never on the "rank" surface, whose
 *      response must return every requested item.
 *   2. adjust: every matching boost/bury rule, in configuration order, changes the item's
 *      relevance (relevance × multiply, or relevance + add). Relevance should be the click
 *      probability (≥ 0): multiplying a negative logit by a boost would bury it.
 *   3. order: by adjusted relevance, or by the caller's reordering (MMR diversity).
 *   4. pin: each matching pin, in configuration order, moves its item to its position (the end
 *      if the list is shorter; the next free position if an earlier pin took it).
 * Pins win: a pinned item is exempt from hiding and is placed wherever boosts, buries and the
 * ordering put it. A pin whose item is not among the candidates does nothing; the service can
 * fetch pinnedItemIds() as extra candidates.
 */

export const SURFACES = ['search', 'recommend', 'rank'] as const;
export type Surface = (typeof SURFACES)[number];

/** When a rule applies; an absent list does not restrict. Queries match the normalised query exactly (case-insensitive). */
export interface RuleScope {
  channels?: string[];
  surfaces?: Surface[];
  queries?: string[];
}

export type ItemMatcher = { itemId: string } | { brand: string } | { categoryPrefix: string[] };

export interface PinRule {
  type: 'pin';
  itemId: string;
  /** 0-based position. */
  position: number;
  when?: RuleScope;
}

export interface AdjustRule {
  type: 'boost' | 'bury';
  match: ItemMatcher;
  /** Exactly one of multiply and add. */
  multiply?: number;
  add?: number;
  when?: RuleScope;
}

export type BusinessRule = PinRule | AdjustRule;

export interface BusinessRules {
  hideOutOfStock: boolean;
  excludePurchased: boolean;
  rules: BusinessRule[];
}

export const NO_BUSINESS_RULES: BusinessRules = { hideOutOfStock: false, excludePurchased: false, rules: [] };

/** The fields of an item that rules look at. */
export interface RuleItem {
  id: string;
  relevance: number;
  brand?: string;
  categoryPath?: readonly string[];
  inStock?: boolean;
}

export interface RuleContext {
  surface: Surface;
  channel: string;
  /** Normalised query; '' for recommendations. */
  query: string;
  purchasedItemIds: ReadonlySet<string>;
}

export type HideReason = 'out_of_stock' | 'purchased';

export interface RulesOutcome<T> {
  /** The final order, relevances adjusted. */
  items: T[];
  hidden: { id: string; reason: HideReason }[];
  /** Items a pin placed, in placement order. */
  pinned: string[];
}

const norm = (text: string) => text.normalize('NFKC').trim().toLowerCase();

/** "Electronics/Audio" or "Electronics > Audio" → ["electronics", "audio"]. */
export function parseCategoryPrefix(path: string): string[] {
  return path
    .split(/\s*(?:\/|>)\s*/)
    .map(norm)
    .filter((segment) => segment.length > 0);
}

function inScope(scope: RuleScope | undefined, context: RuleContext): boolean {
  if (!scope) return true;
  if (scope.channels && !scope.channels.some((c) => norm(c) === norm(context.channel))) return false;
  if (scope.surfaces && !scope.surfaces.includes(context.surface)) return false;
  if (scope.queries && !scope.queries.some((q) => norm(q) === norm(context.query))) return false;
  return true;
}

export function matchesItem(matcher: ItemMatcher, item: RuleItem): boolean {
  if ('itemId' in matcher) return item.id === matcher.itemId;
  if ('brand' in matcher) return item.brand !== undefined && norm(item.brand) === norm(matcher.brand);
  const path = (item.categoryPath ?? []).map(norm);
  return path.length >= matcher.categoryPrefix.length && matcher.categoryPrefix.every((segment, i) => path[i] === norm(segment));
}

const pinsFor = (rules: BusinessRules, context: RuleContext): PinRule[] => rules.rules.filter((r): r is PinRule => r.type === 'pin' && inScope(r.when, context));

/** Item ids pinned for this request, so the service can add them to the candidates. */
export function pinnedItemIds(rules: BusinessRules, context: RuleContext): string[] {
  return [...new Set(pinsFor(rules, context).map((p) => p.itemId))];
}

/** Step 1: drops hidden items (never pinned ones, never on the rank surface). */
export function hideItems<T extends RuleItem>(items: readonly T[], rules: BusinessRules, context: RuleContext): { kept: T[]; hidden: { id: string; reason: HideReason }[] } {
  if (context.surface === 'rank') return { kept: [...items], hidden: [] };
  const pinned = new Set(pinnedItemIds(rules, context));
  const kept: T[] = [];
  const hidden: { id: string; reason: HideReason }[] = [];
  for (const item of items) {
    if (!pinned.has(item.id) && rules.hideOutOfStock && item.inStock === false) hidden.push({ id: item.id, reason: 'out_of_stock' });
    else if (!pinned.has(item.id) && rules.excludePurchased && context.purchasedItemIds.has(item.id)) hidden.push({ id: item.id, reason: 'purchased' });
    else kept.push(item);
  }
  return { kept, hidden };
}

/** Step 2: relevance changed by every matching boost/bury, in configuration order. */
export function adjustRelevance<T extends RuleItem>(items: readonly T[], rules: BusinessRules, context: RuleContext): T[] {
  const adjustments = rules.rules.filter((r): r is AdjustRule => r.type !== 'pin' && inScope(r.when, context));
  if (adjustments.length === 0) return [...items];
  return items.map((item) => {
    let relevance = item.relevance;
    for (const rule of adjustments) {
      if (!matchesItem(rule.match, item)) continue;
      if (rule.multiply !== undefined) relevance *= rule.multiply;
      if (rule.add !== undefined) relevance += rule.add;
    }
    return relevance === item.relevance ? item : { ...item, relevance };
  });
}

/** Step 4: moves pinned items to their positions (see the module comment). */
export function placePins<T extends RuleItem>(ordered: readonly T[], rules: BusinessRules, context: RuleContext): { items: T[]; pinned: string[] } {
  const pins = pinsFor(rules, context);
  if (pins.length === 0) return { items: [...ordered], pinned: [] };
  const byId = new Map(ordered.map((item) => [item.id, item]));
  const slots: (T | undefined)[] = new Array<T | undefined>(ordered.length).fill(undefined);
  const placed = new Set<string>();
  for (const pin of pins) {
    const item = byId.get(pin.itemId);
    if (!item || placed.has(pin.itemId)) continue;
    let position = Math.min(pin.position, ordered.length - 1);
    while (position < slots.length && slots[position] !== undefined) position++;
    if (position >= slots.length) {
      position = slots.lastIndexOf(undefined);
      if (position < 0) continue;
    }
    slots[position] = item;
    placed.add(pin.itemId);
  }
  const rest = ordered.filter((item) => !placed.has(item.id));
  let next = 0;
  const items = slots.map((slot) => slot ?? rest[next++]);
  return { items, pinned: [...placed] };
}

const byRelevance = <T extends RuleItem>(items: T[]): T[] => items.map((item, i) => ({ item, i })).sort((a, b) => b.item.relevance - a.item.relevance || a.i - b.i).map(({ item }) => item);

/** All four steps; `order` replaces the plain relevance sort of step 3 (pass MMR here). */
export function applyBusinessRules<T extends RuleItem>(items: readonly T[], rules: BusinessRules, context: RuleContext, order: (items: T[]) => T[] = byRelevance): RulesOutcome<T> {
  const { kept, hidden } = hideItems(items, rules, context);
  const ordered = order(adjustRelevance(kept, rules, context));
  const { items: final, pinned } = placePins(ordered, rules, context);
  return { items: final, hidden, pinned };
}

function parseScope(reader: ConfigReader, value: unknown, path: string): RuleScope | undefined {
  if (value === undefined) return undefined;
  const raw = reader.object(value, path, ['channels', 'surfaces', 'queries']);
  if (!raw) return undefined;
  const scope: RuleScope = {};
  if (raw['channels'] !== undefined) scope.channels = reader.strings(raw['channels'], childPath(path, 'channels')) ?? [];
  if (raw['queries'] !== undefined) scope.queries = reader.strings(raw['queries'], childPath(path, 'queries')) ?? [];
  if (raw['surfaces'] !== undefined) {
    const surfaces = reader.strings(raw['surfaces'], childPath(path, 'surfaces')) ?? [];
    const known: Surface[] = [];
    scope.surfaces = known;
    surfaces.forEach((s, i) => {
      if ((SURFACES as readonly string[]).includes(s)) known.push(s as Surface);
      else reader.fail(indexPath(childPath(path, 'surfaces'), i), `must be one of ${SURFACES.join(', ')} (got "${s}")`);
    });
  }
  return scope;
}

function parseMatcher(reader: ConfigReader, value: unknown, path: string): ItemMatcher | undefined {
  const raw = reader.object(value, path, ['itemId', 'brand', 'categoryPrefix']);
  if (!raw) return undefined;
  const keys = Object.keys(raw).filter((k) => ['itemId', 'brand', 'categoryPrefix'].includes(k));
  if (keys.length !== 1) return reader.fail(path, `must have exactly one of itemId, brand, categoryPrefix (got ${keys.length === 0 ? 'none' : keys.join(', ')})`);
  const key = keys[0];
  const text = reader.string(raw[key], childPath(path, key));
  if (text === undefined) return undefined;
  if (key === 'itemId') return { itemId: text };
  if (key === 'brand') return { brand: text };
  const prefix = parseCategoryPrefix(text);
  if (prefix.length === 0) return reader.fail(childPath(path, key), 'must name at least one category segment');
  return { categoryPrefix: prefix };
}

function parseRule(reader: ConfigReader, value: unknown, path: string): BusinessRule | undefined {
  const raw = reader.object(value, path);
  if (!raw) return undefined;
  const type = raw['type'];
  if (type === 'pin') {
    reader.object(raw, path, ['type', 'itemId', 'position', 'when']);
    const itemId = reader.string(raw['itemId'], childPath(path, 'itemId'));
    const position = reader.number(raw['position'], childPath(path, 'position'), { min: 0, max: 1000, integer: true });
    const when = parseScope(reader, raw['when'], childPath(path, 'when'));
    if (itemId === undefined || position === undefined) return undefined;
    return { type, itemId, position, ...(when ? { when } : {}) };
  }
  if (type === 'boost' || type === 'bury') {
    reader.object(raw, path, ['type', 'match', 'multiply', 'add', 'when']);
    const match = parseMatcher(reader, raw['match'], childPath(path, 'match'));
    const when = parseScope(reader, raw['when'], childPath(path, 'when'));
    const hasMultiply = raw['multiply'] !== undefined;
    const hasAdd = raw['add'] !== undefined;
    if (hasMultiply === hasAdd) return reader.fail(path, 'must have exactly one of multiply, add');
    // A boost that lowers (or a bury that raises) is almost certainly a typo in the sign or the kind.
    const multiply = hasMultiply ? reader.number(raw['multiply'], childPath(path, 'multiply'), type === 'boost' ? { min: 1 } : { min: 0, max: 1 }) : undefined;
    const add = hasAdd ? reader.number(raw['add'], childPath(path, 'add'), type === 'boost' ? { min: 0 } : { max: 0 }) : undefined;
    if (!match || (hasMultiply && multiply === undefined) || (hasAdd && add === undefined)) return undefined;
    return { type, match, ...(multiply !== undefined ? { multiply } : {}), ...(add !== undefined ? { add } : {}), ...(when ? { when } : {}) };
  }
  return reader.fail(childPath(path, 'type'), `must be "pin", "boost" or "bury" (got ${JSON.stringify(type)})`);
}

/**
 * Validates a business-rules document (parsed JSON) and returns typed rules; throws a
 * ConfigValidationError naming the path of every problem, for example
 * `rules[1].multiply: must be >= 1 (got 0.5)`.
 */
export function parseBusinessRules(json: unknown): BusinessRules {
  const reader = new ConfigReader();
  const root = reader.object(json, '', ['hideOutOfStock', 'excludePurchased', 'rules']);
  const result: BusinessRules = { hideOutOfStock: false, excludePurchased: false, rules: [] };
  if (root) {
    if (root['hideOutOfStock'] !== undefined) result.hideOutOfStock = reader.boolean(root['hideOutOfStock'], 'hideOutOfStock') ?? false;
    if (root['excludePurchased'] !== undefined) result.excludePurchased = reader.boolean(root['excludePurchased'], 'excludePurchased') ?? false;
    const rules = root['rules'] === undefined ? [] : (reader.array(root['rules'], 'rules') ?? []);
    rules.forEach((raw, i) => {
      const rule = parseRule(reader, raw, indexPath('rules', i));
      if (rule) result.rules.push(rule);
    });
  }
  reader.throwIfInvalid('business rules');
  return result;
}
