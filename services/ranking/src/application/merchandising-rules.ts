import { create } from '@bufbuild/protobuf';
import { timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import { randomBytes } from 'node:crypto';
import { MerchandisingRuleChangeSchema, MerchandisingRuleSchema, RuleDeletedSchema, type MerchandisingRule, type MerchandisingRuleChange } from '@shopsense/contracts';
import { AppError, FieldValidator } from '@shopsense/errors';
import type { Logger } from '@shopsense/observability';
import type { BusinessRules } from '../domain';
import { isActive, RULE_LIMITS, toBusinessRule, validateRule } from './merchandising-rule';

/**
 * Where rule changes are kept: a file in standalone mode, the compacted topic
 * shopsense.merchandising.v1 in cluster mode (every replica reads it from the beginning).
 */
export interface RuleChangeLog {
  /**
   * Delivers every stored change, then (where other writers exist) every later one, to `apply`,
   * which answers why a change cannot be used (the log keeps it aside) or nothing.
   */
  start(apply: (change: MerchandisingRuleChange) => string | undefined): Promise<void>;
  /** Resolves once the change is durable. */
  append(change: MerchandisingRuleChange): Promise<void>;
  close(): Promise<void>;
}

function changeProblem(change: MerchandisingRuleChange): string | undefined {
  if (change.ruleId === '' || change.version < 1n) return 'a rule change needs a rule id and a version';
  if (change.change.case === 'delete') return undefined;
  if (change.change.case !== 'upsert') return 'a rule change needs an upsert or a delete';
  const v = new FieldValidator();
  validateRule(v, change.change.value);
  v.check(change.change.value.ruleId === change.ruleId, 'rule.rule_id', 'must be the change\'s rule id');
  v.check(change.change.value.version === change.version, 'rule.version', 'must be the change\'s version');
  return v.problems();
}

/**
 * The merchandising rules of MerchandisingService: validated, versioned, kept in a RuleChangeLog
 * and merged with the configuration file's rules into what ranking applies. Each rule keeps its
 * highest version, deletions included, so a change that arrives late (a redelivery, a replay from
 * the beginning) never undoes a newer one. Two replicas that change the same rule at once both
 * pass their version check and write the same version; of two records with one version the later
 * in the topic wins, on every replica, which is also the one compaction keeps.
 */
export class MerchandisingRules {
  private readonly latest = new Map<string, MerchandisingRuleChange>();
  /** Built on first use after a change: a replay of n changes does not rebuild n times. */
  private merged: BusinessRules | undefined;
  /** Writes one at a time: two creates of one id must not both see it free. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: RuleChangeLog,
    private readonly fileRules: BusinessRules,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    await this.log.start((change) => this.apply(change));
  }

  async close(): Promise<void> {
    await this.log.close();
  }

  /** What ranking applies now: the file's rules, then the API's, oldest first. */
  businessRules(): BusinessRules {
    this.merged ??= { ...this.fileRules, rules: [...this.fileRules.rules, ...this.rules().map(toBusinessRule)] };
    return this.merged;
  }

  /**
   * Applies a stored change unless the rule already holds that version or a newer one. Returns
   * why the change cannot be used (another writer's bug), or nothing.
   */
  apply(change: MerchandisingRuleChange): string | undefined {
    const problem = changeProblem(change);
    if (problem) {
      this.logger.error({ ruleId: change.ruleId, version: String(change.version), problem }, 'a stored merchandising rule change is invalid: not applied');
      return problem;
    }
    const known = this.latest.get(change.ruleId);
    if (known && known.version > change.version) return undefined;
    this.latest.set(change.ruleId, change);
    this.merged = undefined;
    return undefined;
  }

  /** Every live rule, oldest first (the order pins and boosts apply in), `active` set for now. */
  list(): MerchandisingRule[] {
    const now = this.clock();
    return this.rules().map((rule) => ({ ...rule, active: isActive(rule, now) }));
  }

  get(ruleId: string): MerchandisingRule {
    const rule = this.live(ruleId);
    if (!rule) throw AppError.notFound(`merchandising rule ${ruleId}`);
    return { ...rule, active: isActive(rule, this.clock()) };
  }

  async create(content: MerchandisingRule): Promise<MerchandisingRule> {
    return this.serialised(async () => {
      const ruleId = content.ruleId || `rule-${randomBytes(6).toString('hex')}`;
      if (this.live(ruleId)) throw new AppError('ALREADY_EXISTS', `merchandising rule ${ruleId} already exists`);
      if (this.rules().length >= RULE_LIMITS.rules) throw new AppError('RESOURCE_EXHAUSTED', `at most ${RULE_LIMITS.rules} merchandising rules; delete some first`);
      const now = timestampFromMs(this.clock());
      // A deleted id can be used again: its versions go on, so no old record outranks the new rule.
      const version = (this.latest.get(ruleId)?.version ?? 0n) + 1n;
      const rule = create(MerchandisingRuleSchema, { ...content, ruleId, version, createdAt: now, updatedAt: now, active: false });
      await this.store(create(MerchandisingRuleChangeSchema, { ruleId, version, change: { case: 'upsert', value: rule } }));
      return this.get(ruleId);
    });
  }

  async update(content: MerchandisingRule, expectedVersion: bigint): Promise<MerchandisingRule> {
    return this.serialised(async () => {
      const current = this.current(content.ruleId, expectedVersion);
      const version = current.version + 1n;
      const rule = create(MerchandisingRuleSchema, { ...content, version, createdAt: current.createdAt, updatedAt: timestampFromMs(this.clock()), active: false });
      await this.store(create(MerchandisingRuleChangeSchema, { ruleId: rule.ruleId, version, change: { case: 'upsert', value: rule } }));
      return this.get(rule.ruleId);
    });
  }

  /** `expectedVersion` 0: whatever the version. */
  async delete(ruleId: string, expectedVersion: bigint): Promise<{ ruleId: string; version: bigint }> {
    return this.serialised(async () => {
      const current = this.current(ruleId, expectedVersion === 0n ? undefined : expectedVersion);
      const deletedAt = timestampFromMs(this.clock());
      await this.store(create(MerchandisingRuleChangeSchema, { ruleId, version: current.version + 1n, change: { case: 'delete', value: create(RuleDeletedSchema, { deletedAt }) } }));
      return { ruleId, version: current.version };
    });
  }

  private current(ruleId: string, expectedVersion: bigint | undefined): MerchandisingRule {
    const current = this.live(ruleId);
    if (!current) throw AppError.notFound(`merchandising rule ${ruleId}`);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new AppError('FAILED_PRECONDITION', `merchandising rule ${ruleId} is at version ${current.version}, not ${expectedVersion}: read it again and reapply your change`);
    }
    return current;
  }

  /** Durable first, then applied here: the next request on this replica sees it. */
  private async store(change: MerchandisingRuleChange): Promise<void> {
    await this.log.append(change);
    this.apply(change);
    this.logger.info({ ruleId: change.ruleId, version: String(change.version), change: change.change.case }, 'merchandising rule changed');
  }

  private live(ruleId: string): MerchandisingRule | undefined {
    const change = this.latest.get(ruleId)?.change;
    return change?.case === 'upsert' ? change.value : undefined;
  }

  private rules(): MerchandisingRule[] {
    const rules: MerchandisingRule[] = [];
    for (const change of this.latest.values()) if (change.change.case === 'upsert') rules.push(change.change.value);
    const created = (rule: MerchandisingRule) => (rule.createdAt ? timestampMs(rule.createdAt) : 0);
    return rules.sort((a, b) => created(a) - created(b) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const result = this.writes.then(work);
    this.writes = result.catch(() => undefined);
    return result;
  }
}
