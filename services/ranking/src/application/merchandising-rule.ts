import { timestampMs } from '@bufbuild/protobuf/wkt';
import { RuleSurface, type ItemMatch, type MerchandisingRule } from '@shopsense/contracts';
import { FieldValidator } from '@shopsense/errors';
import { inSchedule, parseCategoryPrefix, type BusinessRule, type ItemMatcher, type RuleScope, type Surface } from '../domain';

/** Limits of merchandising.proto. */
export const RULE_LIMITS = { idChars: 64, descriptionChars: 500, conditionValues: 100, valueChars: 256, maxPosition: 1000, rules: 10_000 } as const;

const RULE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A rule id as every call names one: required, 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", "-". */
export function checkRuleId(v: FieldValidator, ruleId: string, field: string): void {
  v.check(RULE_ID.test(ruleId), field, ruleId === '' ? 'is required' : 'must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", "-"');
}

const chars = (s: string) => [...s].length;

const SURFACE_NAMES: Partial<Record<RuleSurface, Surface>> = { [RuleSurface.SEARCH]: 'search', [RuleSurface.RECOMMEND]: 'recommend' };

function checkValue(v: FieldValidator, value: string, field: string): void {
  v.check(value.trim().length > 0 && chars(value) <= RULE_LIMITS.valueChars, field, `must be 1 to ${RULE_LIMITS.valueChars} characters`);
}

function checkValues(v: FieldValidator, values: readonly string[], field: string): void {
  v.check(values.length <= RULE_LIMITS.conditionValues, field, `at most ${RULE_LIMITS.conditionValues}`);
  values.forEach((value, i) => checkValue(v, value, `${field}[${i}]`));
}

function checkMatch(v: FieldValidator, match: ItemMatch | undefined, field: string): void {
  const m = match?.match;
  if (!m || m.case === undefined) {
    v.check(false, field, 'is required: one of item_id, brand, category_path, attribute');
    return;
  }
  if (m.case === 'attribute') {
    checkValue(v, m.value.name, `${field}.attribute.name`);
    checkValue(v, m.value.value, `${field}.attribute.value`);
  } else if (m.case === 'categoryPath') {
    v.check(parseCategoryPrefix(m.value).length > 0 && chars(m.value) <= RULE_LIMITS.valueChars, `${field}.category_path`, 'must name at least one category segment');
  } else {
    checkValue(v, m.value, `${field}.${m.case === 'itemId' ? 'item_id' : 'brand'}`);
  }
}

/**
 * Every problem of a rule's content, each naming its field under `prefix` ("rule.pin.item_id").
 * The id is checked only when present (CreateRule chooses one when it is empty).
 */
export function validateRule(v: FieldValidator, rule: MerchandisingRule | undefined, prefix = 'rule'): void {
  if (!rule) {
    v.check(false, prefix, 'is required');
    return;
  }
  const at = (field: string) => `${prefix}.${field}`;
  if (rule.ruleId !== '') checkRuleId(v, rule.ruleId, at('rule_id'));
  v.check(chars(rule.description) <= RULE_LIMITS.descriptionChars, at('description'), `must be at most ${RULE_LIMITS.descriptionChars} characters`);
  const condition = rule.condition;
  if (condition) {
    checkValues(v, condition.queryPatterns, at('condition.query_patterns'));
    checkValues(v, condition.categoryPaths, at('condition.category_paths'));
    condition.categoryPaths.forEach((path, i) => v.check(parseCategoryPrefix(path).length > 0, at(`condition.category_paths[${i}]`), 'must name at least one category segment'));
    checkValues(v, condition.channels, at('condition.channels'));
    condition.surfaces.forEach((surface, i) => v.check(SURFACE_NAMES[surface] !== undefined, at(`condition.surfaces[${i}]`), 'must be RULE_SURFACE_SEARCH or RULE_SURFACE_RECOMMEND'));
  }
  const action = rule.action;
  switch (action.case) {
    case 'pin':
      checkValue(v, action.value.itemId, at('pin.item_id'));
      v.check(action.value.position <= RULE_LIMITS.maxPosition, at('pin.position'), `must be at most ${RULE_LIMITS.maxPosition}`);
      break;
    case 'boost':
    case 'bury': {
      const { multiply, add } = action.value;
      const field = at(action.case);
      checkMatch(v, action.value.match, `${field}.match`);
      v.check((multiply === undefined) !== (add === undefined), field, 'must have exactly one of multiply, add');
      // A boost that lowers (or a bury that raises) is almost certainly a sign or kind typo.
      if (multiply !== undefined) v.check(Number.isFinite(multiply) && (action.case === 'boost' ? multiply >= 1 : multiply >= 0 && multiply <= 1), `${field}.multiply`, action.case === 'boost' ? 'must be at least 1' : 'must be between 0 and 1');
      if (add !== undefined) v.check(Number.isFinite(add) && (action.case === 'boost' ? add >= 0 : add <= 0), `${field}.add`, action.case === 'boost' ? 'must be at least 0' : 'must be at most 0');
      break;
    }
    case 'hide':
      checkMatch(v, action.value, at('hide'));
      break;
    default:
      v.check(false, prefix, 'needs an action: one of pin, boost, bury, hide');
  }
  const starts = rule.schedule?.startsAt;
  const ends = rule.schedule?.endsAt;
  if (starts && ends) v.check(timestampMs(starts) < timestampMs(ends), at('schedule'), 'ends_at must be after starts_at');
}

function toMatcher(match: ItemMatch): ItemMatcher {
  const m = match.match;
  switch (m.case) {
    case 'itemId':
      return { itemId: m.value };
    case 'brand':
      return { brand: m.value };
    case 'categoryPath':
      return { categoryPrefix: parseCategoryPrefix(m.value) };
    case 'attribute':
      return { attribute: { name: m.value.name, value: m.value.value } };
    default:
      throw new Error('an item match without a field (validate the rule first)');
  }
}

function toScope(rule: MerchandisingRule): RuleScope | undefined {
  const scope: RuleScope = {};
  const c = rule.condition;
  if (c?.queryPatterns.length) scope.queryPatterns = c.queryPatterns;
  if (c?.categoryPaths.length) scope.categories = c.categoryPaths.map(parseCategoryPrefix);
  if (c?.channels.length) scope.channels = c.channels;
  if (c?.surfaces.length) scope.surfaces = c.surfaces.map((s) => SURFACE_NAMES[s]!);
  // Rank returns every item it is given: API rules never apply to it.
  else scope.surfaces = ['search', 'recommend'];
  return { ...scope, ...scheduleOf(rule) };
}

/** The domain rule of a validated API rule. */
export function toBusinessRule(rule: MerchandisingRule): BusinessRule {
  const base = { id: rule.ruleId, when: toScope(rule) };
  const action = rule.action;
  switch (action.case) {
    case 'pin':
      return { ...base, type: 'pin', itemId: action.value.itemId, position: action.value.position };
    case 'boost':
    case 'bury':
      return {
        ...base,
        type: action.case,
        match: toMatcher(action.value.match!),
        ...(action.value.multiply !== undefined ? { multiply: action.value.multiply } : {}),
        ...(action.value.add !== undefined ? { add: action.value.add } : {}),
      };
    case 'hide':
      return { ...base, type: 'hide', match: toMatcher(action.value) };
    default:
      throw new Error(`rule ${rule.ruleId} has no action (validate the rule first)`);
  }
}

/** Whether the rule's schedule has it in force at `nowMs` (as ranking decides it). */
export function isActive(rule: MerchandisingRule, nowMs: number): boolean {
  return inSchedule(scheduleOf(rule), nowMs);
}

function scheduleOf(rule: MerchandisingRule): Pick<RuleScope, 'startsAtMs' | 'endsAtMs'> {
  const { startsAt, endsAt } = rule.schedule ?? {};
  return { ...(startsAt ? { startsAtMs: timestampMs(startsAt) } : {}), ...(endsAt ? { endsAtMs: timestampMs(endsAt) } : {}) };
}
