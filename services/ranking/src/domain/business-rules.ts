import { ConfigReader, childPath, indexPath } from './config-validation';

/**
 * Merchandising rules, from configuration and from MerchandisingService: pin an item at a
 * position, boost or bury items (by id, brand, category prefix or attribute, multiplicatively or
 * additively), hide matching items, hide out-of-stock items and exclude what the user already
 * bought.
 *
 * Apply order (applyBusinessRules):
 *   1. hide: out-of-stock items (inStock === false; unknown stock stays) when hideOutOfStock,
 *      items in the user's purchases when excludePurchased, and items a hide rule matches. Never
 *      on the "rank" surface, whose response must return every requested item.
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

/**
 * When a rule applies; an absent list does not restrict, every present one must match. Queries
 * match the normalised query exactly (case-insensitive); query patterns may hold `*` (any text).
 * A rule with queries or query patterns never applies where there is no query (recommendations).
 */
export interface RuleScope {
  channels?: string[];
  surfaces?: Surface[];
  queries?: string[];
  queryPatterns?: string[];
  /** Category prefixes (normalised segments): the request's category must start with one. */
  categories?: string[][];
  /** In force from (inclusive) / until (exclusive), epoch ms. */
  startsAtMs?: number;
  endsAtMs?: number;
}

export type ItemMatcher = { itemId: string } | { brand: string } | { categoryPrefix: string[] } | { attribute: { name: string; value: string } };

/** A rule's id, when it has one (the API's rules do), names it in explanations. */
interface RuleBase {
  id?: string;
  when?: RuleScope;
}

export interface PinRule extends RuleBase {
  type: 'pin';
  itemId: string;
  /** 0-based position. */
  position: number;
}

export interface AdjustRule extends RuleBase {
  type: 'boost' | 'bury';
  match: ItemMatcher;
  /** Exactly one of multiply and add. */
  multiply?: number;
  add?: number;
}

export interface HideRule extends RuleBase {
  type: 'hide';
  match: ItemMatcher;
}

export type BusinessRule = PinRule | AdjustRule | HideRule;

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
  attributes?: Readonly<Record<string, string>>;
}

export interface RuleContext {
  surface: Surface;
  channel: string;
  /** Normalised query; '' for recommendations. */
  query: string;
  /** The query as the shopper typed it (query patterns match it); absent: `query`. */
  typedQuery?: string;
  purchasedItemIds: ReadonlySet<string>;
  /** The category the request is restricted to (its filter, or the one extracted from the query). */
  categoryPath?: readonly string[];
  /** For schedules; absent: scheduled rules are in force. */
  nowMs?: number;
}

export type HideReason = 'out_of_stock' | 'purchased' | 'rule';

export interface RulesOutcome<T> {
  /** The final order, relevances adjusted. */
  items: T[];
  hidden: { id: string; reason: HideReason; ruleId?: string }[];
  /** Items a pin placed, in placement order. */
  pinned: string[];
  /** Per item, what rules with an id did to it ("pinned by rule R"), for explanations. */
  notes: Map<string, string[]>;
}

const norm = (text: string) => text.normalize('NFKC').trim().toLowerCase();
/** A query as patterns see it: normalised, runs of spaces collapsed. */
const normQuery = (text: string) => norm(text).replace(/\s+/g, ' ');

/** `*` matches any text (also none); everything else literally. Both sides normalised by the caller. */
export function matchesQueryPattern(pattern: string, query: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === query;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!query.startsWith(first) || query.length < first.length + last.length || !query.endsWith(last)) return false;
  let at = first.length;
  const end = query.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = query.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

const startsWithPath = (path: readonly string[], prefix: readonly string[]) => path.length >= prefix.length && prefix.every((segment, i) => path[i] === segment);

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
  if (scope.queryPatterns) {
    const query = normQuery(context.typedQuery ?? context.query);
    if (query === '' || !scope.queryPatterns.some((p) => matchesQueryPattern(normQuery(p), query))) return false;
  }
  if (scope.categories) {
    const path = (context.categoryPath ?? []).map(norm);
    if (!scope.categories.some((prefix) => startsWithPath(path, prefix))) return false;
  }
  return context.nowMs === undefined || inSchedule(scope, context.nowMs);
}

/** Whether a schedule has a rule in force at `nowMs`: from startsAtMs (inclusive) until endsAtMs (exclusive). */
export function inSchedule(schedule: Pick<RuleScope, 'startsAtMs' | 'endsAtMs'>, nowMs: number): boolean {
  return (schedule.startsAtMs === undefined || nowMs >= schedule.startsAtMs) && (schedule.endsAtMs === undefined || nowMs < schedule.endsAtMs);
}

export function matchesItem(matcher: ItemMatcher, item: RuleItem): boolean {
  if ('itemId' in matcher) return item.id === matcher.itemId;
  if ('brand' in matcher) return item.brand !== undefined && norm(item.brand) === norm(matcher.brand);
  if ('attribute' in matcher) {
    // Own properties only: a rule on "constructor" or "__proto__" must not reach Object.prototype.
    const attributes = item.attributes;
    if (!attributes || !Object.hasOwn(attributes, matcher.attribute.name)) return false;
    return norm(attributes[matcher.attribute.name]!) === norm(matcher.attribute.value);
  }
  return startsWithPath((item.categoryPath ?? []).map(norm), matcher.categoryPrefix.map(norm));
}

/** Collects what rules with an id did to each item. */
class RuleNotes {
  readonly byItem = new Map<string, string[]>();

  add(itemId: string, rule: BusinessRule, what: string): void {
    if (rule.id === undefined) return;
    const notes = this.byItem.get(itemId) ?? [];
    notes.push(`${what} by rule ${rule.id}`);
    this.byItem.set(itemId, notes);
  }
}

const pinsFor = (rules: BusinessRules, context: RuleContext): PinRule[] => rules.rules.filter((r): r is PinRule => r.type === 'pin' && inScope(r.when, context));

/** Item ids pinned for this request, so the service can add them to the candidates. */
export function pinnedItemIds(rules: BusinessRules, context: RuleContext): string[] {
  return [...new Set(pinsFor(rules, context).map((p) => p.itemId))];
}

type HiddenItem = RulesOutcome<RuleItem>['hidden'][number];

/** Step 1: drops hidden items (never pinned ones, never on the rank surface). */
export function hideItems<T extends RuleItem>(items: readonly T[], rules: BusinessRules, context: RuleContext): { kept: T[]; hidden: HiddenItem[] } {
  if (context.surface === 'rank') return { kept: [...items], hidden: [] };
  const pinned = new Set(pinnedItemIds(rules, context));
  const hideRules = rules.rules.filter((r): r is HideRule => r.type === 'hide' && inScope(r.when, context));
  const kept: T[] = [];
  const hidden: HiddenItem[] = [];
  for (const item of items) {
    if (pinned.has(item.id)) kept.push(item);
    else if (rules.hideOutOfStock && item.inStock === false) hidden.push({ id: item.id, reason: 'out_of_stock' });
    else if (rules.excludePurchased && context.purchasedItemIds.has(item.id)) hidden.push({ id: item.id, reason: 'purchased' });
    else {
      const rule = hideRules.find((r) => matchesItem(r.match, item));
      if (rule) hidden.push({ id: item.id, reason: 'rule', ...(rule.id !== undefined ? { ruleId: rule.id } : {}) });
      else kept.push(item);
    }
  }
  return { kept, hidden };
}

/** Step 2: relevance changed by every matching boost/bury, in configuration order. */
export function adjustRelevance<T extends RuleItem>(items: readonly T[], rules: BusinessRules, context: RuleContext, notes = new RuleNotes()): T[] {
  const adjustments = rules.rules.filter((r): r is AdjustRule => (r.type === 'boost' || r.type === 'bury') && inScope(r.when, context));
  if (adjustments.length === 0) return [...items];
  return items.map((item) => {
    let relevance = item.relevance;
    for (const rule of adjustments) {
      if (!matchesItem(rule.match, item)) continue;
      if (rule.multiply !== undefined) relevance *= rule.multiply;
      if (rule.add !== undefined) relevance += rule.add;
      notes.add(item.id, rule, rule.type === 'boost' ? 'boosted' : 'buried');
    }
    return relevance === item.relevance ? item : { ...item, relevance };
  });
}

/** Step 4: moves pinned items to their positions (see the module comment). */
export function placePins<T extends RuleItem>(ordered: readonly T[], rules: BusinessRules, context: RuleContext, notes = new RuleNotes()): { items: T[]; pinned: string[] } {
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
    notes.add(pin.itemId, pin, 'pinned');
  }
  const rest = ordered.filter((item) => !placed.has(item.id));
  let next = 0;
  const items = slots.map((slot) => slot ?? rest[next++]);
  return { items, pinned: [...placed] };
}

const byRelevance = <T extends RuleItem>(items: T[]): T[] => items.map((item, i) => ({ item, i })).sort((a, b) => b.item.relevance - a.item.relevance || a.i - b.i).map(({ item }) => item);

/** All four steps; `order` replaces the plain relevance sort of step 3 (pass MMR here). */
export function applyBusinessRules<T extends RuleItem>(items: readonly T[], rules: BusinessRules, context: RuleContext, order: (items: T[]) => T[] = byRelevance): RulesOutcome<T> {
  const notes = new RuleNotes();
  const { kept, hidden } = hideItems(items, rules, context);
  const ordered = order(adjustRelevance(kept, rules, context, notes));
  const { items: final, pinned } = placePins(ordered, rules, context, notes);
  return { items: final, hidden, pinned, notes: notes.byItem };
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
