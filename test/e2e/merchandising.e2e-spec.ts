/**
 * Issue 21, merchandising rules as an API, end to end over the real Kafka: two ranking replicas
 * keep their rules in the test's own compacted topic. A rule changed through one replica's
 * MerchandisingService shows in the very next Search of that replica, and within seconds in the
 * Search of the other; an update names the version it read, and a stale one is refused.
 */
import { create } from '@bufbuild/protobuf';
import { MerchandisingRuleSchema, MerchandisingService, RankingService, type MerchandisingRule, type SearchResponse } from '@shopsense/contracts';
import { loadDemoProducts } from '@shopsense/datasets';
import type { AppError } from '@shopsense/errors';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import { expectEventually } from '@shopsense/testing';
import { insecure, startServiceStack, type ServiceStack } from './support/service-stack';

const products = loadDemoProducts();
const within = (path: string) => products.filter((p) => p.categoryPath.join(' > ').startsWith(path));
const shoes = within('Shoes > Running Shoes');
const coffee = within('Groceries > Coffee & Tea').slice(0, 20);
/** A product no running-shoes search finds on its own: a pin is the only way it gets there. */
const PINNED = coffee[0]!.id;

let stack: ServiceStack;
let replicas: { ranking: ServiceClient<typeof RankingService>; rules: ServiceClient<typeof MerchandisingService> }[] = [];

beforeAll(async () => {
  stack = await startServiceStack({ name: 'merch', products: [...shoes, ...coffee], queryUnderstanding: false, rankingLearns: true, rankingReplicas: 2 });
  replicas = stack.rankingAddrs.map((addr) => ({
    ranking: createGrpcClient(RankingService, addr, { credentials: insecure, defaultTimeoutMs: 60_000 }),
    rules: createGrpcClient(MerchandisingService, addr, { credentials: insecure, defaultTimeoutMs: 60_000 }),
  }));
}, 600_000);

afterAll(async () => {
  for (const r of replicas) {
    r.ranking.close();
    r.rules.close();
  }
  await stack?.stop();
}, 120_000);

const searchOn = (replica: number, query = 'running shoes'): Promise<SearchResponse> => replicas[replica]!.ranking.search({ query, pageSize: 10, explain: true });
const ids = (response: SearchResponse) => response.items.map((i) => i.itemId);
const codeOf = (work: Promise<unknown>) => work.then(() => 'OK', (error: AppError) => error.code);

const pin = (position: number): MerchandisingRule =>
  create(MerchandisingRuleSchema, { ruleId: 'hero', description: 'launch week', condition: { queryPatterns: ['running shoes*'] }, action: { case: 'pin', value: { itemId: PINNED, position } } });

describe('merchandising rules through the API, on every replica', () => {
  it('serves the searches without rules first', async () => {
    for (const replica of [0, 1]) {
      const response = await searchOn(replica);
      expect(response.items.length).toBe(10);
      expect(ids(response)).not.toContain(PINNED);
    }
  });

  it('a pin created through replica 0 is in its next Search, and in replica 1 within seconds', async () => {
    const { rule } = await replicas[0]!.rules.createRule({ rule: pin(0) });
    expect(rule).toMatchObject({ ruleId: 'hero', version: 1n, active: true });

    const next = await searchOn(0, 'Running Shoes for trail');
    expect(next.items[0]).toMatchObject({ itemId: PINNED, position: 0 });
    expect(next.items[0]!.reasons[0]).toBe('pinned by rule hero');
    // The pattern holds only for queries that start with "running shoes".
    expect(ids(await searchOn(0, 'trail running shoes'))).not.toContain(PINNED);

    await expectEventually(async () => expect(ids(await searchOn(1))[0]).toBe(PINNED), { timeoutMs: 60_000, intervalMs: 200 });
    expect((await replicas[1]!.rules.listRules({})).rules.map((r) => [r.ruleId, r.version])).toEqual([['hero', 1n]]);
  });

  it('an update through replica 1 moves the pin on both; an update from a stale read is refused', async () => {
    const { rule } = await replicas[1]!.rules.updateRule({ rule: pin(3), expectedVersion: 1n });
    expect(rule?.version).toBe(2n);
    expect(ids(await searchOn(1)).indexOf(PINNED)).toBe(3);
    await expectEventually(async () => expect(ids(await searchOn(0)).indexOf(PINNED)).toBe(3), { timeoutMs: 60_000, intervalMs: 200 });

    expect(await codeOf(replicas[0]!.rules.updateRule({ rule: pin(5), expectedVersion: 1n }))).toBe('FAILED_PRECONDITION');
    expect(ids(await searchOn(0)).indexOf(PINNED)).toBe(3);
  });

  it('a hide rule by attribute removes the matching products from both replicas, and a bad rule is refused naming its fields', async () => {
    const before = await searchOn(0);
    const red = before.items.filter((i) => i.product?.attributes['color'] === 'red').map((i) => i.itemId);
    expect(red.length).toBeGreaterThan(0);
    await replicas[0]!.rules.createRule({ rule: create(MerchandisingRuleSchema, { ruleId: 'no-red', action: { case: 'hide', value: { match: { case: 'attribute', value: { name: 'color', value: 'RED' } } } } }) });
    for (const replica of [0, 1]) {
      await expectEventually(
        async () => {
          const after = await searchOn(replica);
          expect(after.items.filter((i) => i.product?.attributes['color'] === 'red')).toEqual([]);
          expect(after.items.length).toBe(10);
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    }
    const refused = await replicas[1]!.rules.createRule({ rule: create(MerchandisingRuleSchema, { ruleId: 'bad', action: { case: 'boost', value: { match: { match: { case: 'brand', value: 'Anta' } }, multiply: 0.5 } } }) }).catch((e: AppError) => e);
    expect((refused as AppError).code).toBe('INVALID_ARGUMENT');
    expect((refused as AppError).message).toContain('rule.boost.multiply: must be at least 1');
  });

  it('deleting the rules through either replica restores the plain results on both', async () => {
    await replicas[0]!.rules.deleteRule({ ruleId: 'hero', expectedVersion: 2n });
    await replicas[1]!.rules.deleteRule({ ruleId: 'no-red' });
    for (const replica of [0, 1]) {
      await expectEventually(
        async () => {
          const response = await searchOn(replica);
          expect(ids(response)).not.toContain(PINNED);
          expect(response.items.some((i) => i.product?.attributes['color'] === 'red')).toBe(true);
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      expect((await replicas[replica]!.rules.listRules({})).rules).toEqual([]);
    }
    expect(await codeOf(replicas[1]!.rules.getRule({ ruleId: 'hero' }))).toBe('NOT_FOUND');
  });
});
