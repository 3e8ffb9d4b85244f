import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { create } from '@bufbuild/protobuf';
import { MerchandisingRuleChangeSchema, MerchandisingRuleSchema, RuleSurface, type MerchandisingRule, type MerchandisingRuleChange } from '@shopsense/contracts';
import { AppError, FieldValidator } from '@shopsense/errors';
import { InProcessEventBus, Topics } from '@shopsense/events';
import { createLogger } from '@shopsense/observability';
import { expectEventually } from '@shopsense/testing';
import { NO_BUSINESS_RULES, type BusinessRules } from '../domain';
import { FileRuleChangeLog } from '../infrastructure/file-rule-change-log';
import { TopicRuleChangeLog } from '../infrastructure/topic-rule-change-log';
import { toBusinessRule, validateRule } from './merchandising-rule';
import { MerchandisingRules, type RuleChangeLog } from './merchandising-rules';

const logger = createLogger('test', 'silent');

type RuleFields = { ruleId?: string; description?: string; version?: bigint; createdAt?: Timestamp; schedule?: { startsAt?: Timestamp } };
const pinRule = (itemId: string, position: number, extra: RuleFields = {}): MerchandisingRule =>
  create(MerchandisingRuleSchema, { action: { case: 'pin', value: { itemId, position } }, condition: { queryPatterns: ['running shoes*'] }, ...extra });

/** Keeps the changes in memory, as a log with no other writer would. */
class MemoryLog implements RuleChangeLog {
  readonly appended: MerchandisingRuleChange[] = [];
  failNext = false;
  async start(): Promise<void> {
    // Nothing stored before the test.
  }
  async append(change: MerchandisingRuleChange): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.appended.push(change);
  }
  async close(): Promise<void> {
    // Nothing to release.
  }
}

const codeOf = async (work: Promise<unknown>) => work.then(() => 'OK', (error: AppError) => error.code);

describe('MerchandisingRules', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('creates, updates and deletes rules with versions, and refuses a stale update or a taken id', async () => {
    const log = new MemoryLog();
    const rules = new MerchandisingRules(log, NO_BUSINESS_RULES, logger, clock);
    const created = await rules.create(pinRule('p1', 0, { ruleId: 'hero', description: 'summer' }));
    expect(created).toMatchObject({ ruleId: 'hero', version: 1n, description: 'summer', active: true });
    expect(await codeOf(rules.create(pinRule('p2', 0, { ruleId: 'hero' })))).toBe('ALREADY_EXISTS');

    now += 10;
    const updated = await rules.update(pinRule('p1', 3, { ruleId: 'hero' }), 1n);
    expect(updated).toMatchObject({ version: 2n, createdAt: created.createdAt, updatedAt: timestampFromMs(now) });
    expect(await codeOf(rules.update(pinRule('p1', 4, { ruleId: 'hero' }), 1n))).toBe('FAILED_PRECONDITION');
    expect(await codeOf(rules.update(pinRule('p1', 4, { ruleId: 'nobody' }), 1n))).toBe('NOT_FOUND');
    expect(rules.businessRules().rules).toEqual([toBusinessRule(updated)]);

    expect(await codeOf(rules.delete('hero', 1n))).toBe('FAILED_PRECONDITION');
    expect(await rules.delete('hero', 0n)).toEqual({ ruleId: 'hero', version: 2n });
    expect(rules.list()).toEqual([]);
    expect(await codeOf(Promise.resolve().then(() => rules.get('hero')))).toBe('NOT_FOUND');
    expect(log.appended.map((c) => [c.ruleId, c.version, c.change.case])).toEqual([
      ['hero', 1n, 'upsert'],
      ['hero', 2n, 'upsert'],
      ['hero', 3n, 'delete'],
    ]);
    // The id is free again, and its versions go on so no old record can outrank the new rule.
    expect((await rules.create(pinRule('p1', 0, { ruleId: 'hero' }))).version).toBe(4n);
  });

  it('chooses an id when none is given, and serialises concurrent creates of one id', async () => {
    const rules = new MerchandisingRules(new MemoryLog(), NO_BUSINESS_RULES, logger, clock);
    expect((await rules.create(pinRule('p1', 0))).ruleId).toMatch(/^rule-[0-9a-f]{12}$/);
    const outcomes = await Promise.all([codeOf(rules.create(pinRule('p1', 0, { ruleId: 'same' }))), codeOf(rules.create(pinRule('p2', 1, { ruleId: 'same' })))]);
    expect(outcomes.sort()).toEqual(['ALREADY_EXISTS', 'OK']);
  });

  it('applies nothing when the log refuses the write', async () => {
    const log = new MemoryLog();
    const rules = new MerchandisingRules(log, NO_BUSINESS_RULES, logger, clock);
    log.failNext = true;
    await expect(rules.create(pinRule('p1', 0, { ruleId: 'r' }))).rejects.toThrow('disk full');
    expect(rules.list()).toEqual([]);
  });

  it('keeps the later of two records with one version, as every replica and compaction do', () => {
    const rules = new MerchandisingRules(new MemoryLog(), NO_BUSINESS_RULES, logger, clock);
    const at = (position: number) => create(MerchandisingRuleChangeSchema, { ruleId: 'r', version: 2n, change: { case: 'upsert', value: pinRule('p1', position, { ruleId: 'r', version: 2n }) } });
    rules.apply(at(1));
    rules.apply(at(7));
    expect(rules.get('r').action).toMatchObject({ case: 'pin', value: { position: 7 } });
  });

  it('keeps the highest version of each rule whatever order changes arrive in, and refuses an invalid one', () => {
    const rules = new MerchandisingRules(new MemoryLog(), NO_BUSINESS_RULES, logger, clock);
    const upsert = (version: bigint, position: number): MerchandisingRuleChange =>
      create(MerchandisingRuleChangeSchema, { ruleId: 'r', version, change: { case: 'upsert', value: pinRule('p1', position, { ruleId: 'r', version, createdAt: timestampFromMs(1) }) } });
    expect(rules.apply(upsert(2n, 5))).toBeUndefined();
    rules.apply(upsert(1n, 1)); // late
    expect(rules.get('r').version).toBe(2n);
    rules.apply(create(MerchandisingRuleChangeSchema, { ruleId: 'r', version: 3n, change: { case: 'delete', value: {} } }));
    rules.apply(upsert(2n, 5)); // redelivered: must not bring the rule back
    expect(rules.list()).toEqual([]);
    const bad = create(MerchandisingRuleChangeSchema, { ruleId: 'x', version: 1n, change: { case: 'upsert', value: create(MerchandisingRuleSchema, { ruleId: 'x', version: 1n }) } });
    expect(rules.apply(bad)).toBe('rule: needs an action: one of pin, boost, bury, hide');
  });

  it('puts the file rules first, then the API rules oldest first, and reports which are active now', async () => {
    const fileRules: BusinessRules = { hideOutOfStock: true, excludePurchased: false, rules: [{ type: 'boost', match: { brand: 'acme' }, multiply: 2 }] };
    const rules = new MerchandisingRules(new MemoryLog(), fileRules, logger, clock);
    await rules.create(pinRule('p1', 0, { ruleId: 'b-first' }));
    now += 1;
    await rules.create(pinRule('p2', 0, { ruleId: 'a-second', schedule: { startsAt: timestampFromMs(now + 60_000) } }));
    expect(rules.businessRules().hideOutOfStock).toBe(true);
    expect(rules.businessRules().rules.map((r) => r.id ?? 'file')).toEqual(['file', 'b-first', 'a-second']);
    expect(rules.list().map((r) => [r.ruleId, r.active])).toEqual([
      ['b-first', true],
      ['a-second', false],
    ]);
  });
});

describe('validateRule', () => {
  const problems = (rule: MerchandisingRule | undefined) => {
    const v = new FieldValidator();
    validateRule(v, rule);
    return v.problems();
  };

  it('names every bad field', () => {
    expect(problems(undefined)).toBe('rule: is required');
    expect(
      problems(
        create(MerchandisingRuleSchema, {
          ruleId: 'bad id!',
          condition: { queryPatterns: [' '], categoryPaths: [' > '], surfaces: [RuleSurface.UNSPECIFIED] },
          action: { case: 'boost', value: { match: { match: { case: 'brand', value: 'acme' } }, multiply: 0.5, add: 1 } },
          schedule: { startsAt: timestampFromMs(2_000), endsAt: timestampFromMs(1_000) },
        }),
      ),
    ).toBe(
      [
        'rule.rule_id: must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", "-"',
        'rule.condition.query_patterns[0]: must be 1 to 256 characters',
        'rule.condition.category_paths[0]: must name at least one category segment',
        'rule.condition.surfaces[0]: must be RULE_SURFACE_SEARCH or RULE_SURFACE_RECOMMEND',
        'rule.boost: must have exactly one of multiply, add',
        'rule.boost.multiply: must be at least 1',
        'rule.schedule: ends_at must be after starts_at',
      ].join('; '),
    );
    expect(problems(create(MerchandisingRuleSchema, { action: { case: 'hide', value: {} } }))).toBe('rule.hide: is required: one of item_id, brand, category_path, attribute');
    expect(problems(create(MerchandisingRuleSchema, { action: { case: 'bury', value: { match: { match: { case: 'attribute', value: { name: 'condition', value: '' } } }, add: 0.2 } } }))).toBe(
      'rule.bury.match.attribute.value: must be 1 to 256 characters; rule.bury.add: must be at most 0',
    );
    expect(problems(pinRule('p1', 1001))).toBe('rule.pin.position: must be at most 1000');
    expect(problems(pinRule('p1', 0))).toBeUndefined();
  });

  it('maps an API rule to the domain rule ranking applies; without surfaces it never touches Rank', () => {
    const rule = create(MerchandisingRuleSchema, {
      ruleId: 'r',
      condition: { categoryPaths: ['Sports / Running'], channels: ['app'] },
      action: { case: 'hide', value: { match: { case: 'attribute', value: { name: 'condition', value: 'used' } } } },
      schedule: { endsAt: timestampFromMs(5_000) },
    });
    expect(toBusinessRule(rule)).toEqual({ id: 'r', type: 'hide', match: { attribute: { name: 'condition', value: 'used' } }, when: { categories: [['sports', 'running']], channels: ['app'], surfaces: ['search', 'recommend'], endsAtMs: 5_000 } });
  });
});

describe('the rule logs', () => {
  it('FileRuleChangeLog keeps the latest change of every rule across a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rules-')), 'merchandising-rules.json');
    const first = new MerchandisingRules(new FileRuleChangeLog(file), NO_BUSINESS_RULES, logger);
    await first.start();
    await first.create(pinRule('p1', 0, { ruleId: 'keep' }));
    await first.create(pinRule('p2', 0, { ruleId: 'gone' }));
    await first.update(pinRule('p1', 2, { ruleId: 'keep' }), 1n);
    await first.delete('gone', 0n);
    expect(JSON.parse(readFileSync(file, 'utf8')).changes).toHaveLength(2);

    const second = new MerchandisingRules(new FileRuleChangeLog(file), NO_BUSINESS_RULES, logger);
    await second.start();
    expect(second.list().map((r) => [r.ruleId, r.version])).toEqual([['keep', 2n]]);
    expect(second.businessRules().rules).toEqual(first.businessRules().rules);
    // The deletion is remembered too: the id's versions go on.
    expect((await second.create(pinRule('p2', 0, { ruleId: 'gone' }))).version).toBe(3n);
  });

  it('FileRuleChangeLog refuses to start on a broken file, naming it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rules-')), 'merchandising-rules.json');
    writeFileSync(file, '{"changes": [{"ruleId": 7');
    await expect(new MerchandisingRules(new FileRuleChangeLog(file), NO_BUSINESS_RULES, logger).start()).rejects.toThrow(`the merchandising rules file ${file} is not valid`);
  });

  it('TopicRuleChangeLog brings a change made through one replica to another, and dead-letters an invalid record', async () => {
    const deadLetterFile = join(mkdtempSync(join(tmpdir(), 'rules-bus-')), 'dead-letters.jsonl');
    const bus = new InProcessEventBus({ deadLetterFile, logger });
    const a = new MerchandisingRules(new TopicRuleChangeLog(bus, Topics.merchandisingRules, logger), NO_BUSINESS_RULES, logger);
    const b = new MerchandisingRules(new TopicRuleChangeLog(bus, Topics.merchandisingRules, logger), NO_BUSINESS_RULES, logger);
    await Promise.all([a.start(), b.start()]);
    try {
      const created = await a.create(pinRule('p1', 0, { ruleId: 'hero' }));
      await expectEventually(() => expect(b.list()).toEqual([created]));
      await b.update(pinRule('p1', 4, { ruleId: 'hero' }), 1n);
      await expectEventually(() => expect(a.get('hero')).toMatchObject({ version: 2n, action: { case: 'pin', value: { position: 4 } } }));
      await bus.publish(Topics.merchandisingRules, [{ key: 'bad', message: create(MerchandisingRuleChangeSchema, { ruleId: 'bad', version: 1n }) }]);
      await expectEventually(() => expect(readFileSync(deadLetterFile, 'utf8')).toContain('a rule change needs an upsert or a delete'));

      // A replica that starts later has every stored rule once start() returns: it never serves,
      // or checks a version, without them.
      const late = new MerchandisingRules(new TopicRuleChangeLog(bus, Topics.merchandisingRules, logger), NO_BUSINESS_RULES, logger);
      await late.start();
      expect(late.get('hero').version).toBe(2n);
      expect(await codeOf(late.create(pinRule('p9', 0, { ruleId: 'hero' })))).toBe('ALREADY_EXISTS');
      await late.close();
    } finally {
      await Promise.all([a.close(), b.close()]);
      await bus.close();
    }
  });
});
