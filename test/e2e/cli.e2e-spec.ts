/**
 * Every command and option of `npx shopsense --help`, run against standalone (issue 27, done-when
 * 1): each succeeds, or fails with the error the help and the README document. The list of
 * invocations is checked against the help text itself, so a command or option added to the help
 * without a run here fails this test.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectEventually } from '@shopsense/testing';
import { GENEROUS_HOP_BUDGETS, npmStart, ROOT, runCli, signalGroup, type CliRun, type StartedStandalone } from './support/standalone-process';

const work = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
/** The first 120 products of the demo catalog: indexed in seconds, with running shoes, brands and prices to filter on. */
const catalog = join(work, 'catalog.jsonl');
writeFileSync(catalog, readFileSync(join(ROOT, 'data/demo-catalog/products.jsonl'), 'utf8').split('\n').slice(0, 120).join('\n') + '\n');

const ENV = {
  ...process.env,
  SHOPSENSE_DATA_DIR: join(work, 'data'),
  SHOPSENSE_CATALOG_FILE: catalog,
  SHOPSENSE_PORT: '0',
  SHOPSENSE_METRICS_PORT: '0',
  SHOPSENSE_SNAPSHOT_INTERVAL_S: '86400',
  ...GENEROUS_HOP_BUDGETS,
};

const used: string[][] = [];

/** `npx shopsense …` as a user types it; remembers the arguments for the coverage check. */
function cli(port: number, args: string[]): Promise<CliRun> {
  used.push(args);
  return runCli(args, { ...ENV, SHOPSENSE_ADDR: `127.0.0.1:${port}` });
}

async function ok(port: number, args: string[]): Promise<string> {
  const run = await cli(port, args);
  if (run.code !== 0) throw new Error(`shopsense ${args.join(' ')} exited ${run.code}:\n${run.stderr}${run.stdout}`);
  return run.stdout;
}

const json = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop()!) as T;

interface Items {
  requestId: string;
  nextPageToken?: string;
  items?: { itemId: string; reasons?: string[]; product?: { brand?: string; price?: number; categoryPath?: string[] } }[];
}

describe('the CLI against standalone: every command and option of its help', () => {
  let running: StartedStandalone | undefined;
  let port = 0;

  beforeAll(async () => {
    running = await npmStart(ENV);
    port = running.port;
  }, 600_000);

  afterAll(async () => {
    if (running && running.child.exitCode === null) await signalGroup(running, 'SIGINT');
  });

  it('runs each command and option as the help describes', async () => {
    const help = await ok(port, ['--help']);
    expect(await ok(port, ['help'])).toBe(help);

    // status: every service serving, the model, the catalog and the event path.
    const status = json<{ services: Record<string, string>; model: { name: string }; catalog: { products: number; indexed: number }; events: { applied: number } }>(await ok(port, ['status', '--json']));
    expect(Object.values(status.services)).toEqual(Array(7).fill('SERVING'));
    expect(status.model.name).toBe('multilingual-e5-small');
    expect(status.catalog).toEqual({ products: 120, indexed: 120 });
    expect(await ok(port, ['status'])).toMatch(/services {2}7 serving[\s\S]*catalog {3}120 products, 120 indexed/);

    // search with every filter, explanations, paging, and an impression of what was shown.
    const filtered = json<Items>(await ok(port, ['search', 'running shoes', '--category', 'Shoes/Running Shoes', '--brand', 'Nike', '--brand', 'Anta', '--min-price', '50', '--max-price', '150', '--in-stock', '--limit', '3', '--json']));
    expect(filtered.items!.length).toBeGreaterThan(0);
    for (const item of filtered.items!) {
      expect(['Nike', 'Anta']).toContain(item.product!.brand);
      expect(item.product!.price).toBeGreaterThanOrEqual(50);
      expect(item.product!.price).toBeLessThanOrEqual(150);
      expect(item.product!.categoryPath).toContain('Running Shoes');
    }
    // facets: counts over every matching product, not only the page.
    expect(await ok(port, ['search', 'running shoes', '--limit', '2', '--facets', 'brand,price'])).toMatch(/\d+ products match\n {2}brand: .+ \d+[\s\S]* {2}price: /);
    // sort: every matching product by price, cheapest first.
    const cheapest = json<Items>(await ok(port, ['search', 'running shoes', '--sort', 'price-asc', '--limit', '5', '--json']));
    const prices = cheapest.items!.map((i) => i.product!.price ?? 0);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const first = json<Items>(await ok(port, ['search', 'shoes', '--limit', '2', '--json']));
    expect(first.nextPageToken).toBeTruthy();
    const second = json<Items>(await ok(port, ['search', 'shoes', '--limit', '2', '--page', first.nextPageToken!, '--json']));
    expect(second.items!.map((i) => i.itemId)).not.toEqual(first.items!.map((i) => i.itemId));
    const shown = await ok(port, ['search', 'running shoes', '--user', 'cli-user', '--explain', '--impressions', '--timeout', '60000']);
    expect(shown).toMatch(/why:\n/);
    expect(shown).toMatch(/impression of \d+ items tracked for cli-user/);

    // suggest: completions as a shopper types, in English, in pinyin, despite a typo; each finds products.
    const completions = json<{ suggestions?: { text: string; productCount: number }[] }>(await ok(port, ['suggest', 'runn', '--limit', '5', '--json']));
    expect(completions.suggestions!.map((s) => s.text)).toContain('running shoes');
    expect(completions.suggestions!.length).toBeLessThanOrEqual(5);
    for (const suggestion of completions.suggestions!) expect(suggestion.productCount).toBeGreaterThan(0);
    expect(await ok(port, ['suggest', 'paox'])).toMatch(/跑鞋 .* pinyin/);
    expect(await ok(port, ['suggest', 'runnign'])).toMatch(/running shoes .* corrected \(1 edit\)/);

    // recommend: home with seen items left out, similar items, a cart.
    const itemId = filtered.items![0]!.itemId;
    expect(await ok(port, ['recommend', '--user', 'cli-user', '--exclude-seen', '--limit', '4', '--explain', '--impressions'])).toMatch(/impression of \d+ items tracked for cli-user/);
    const similar = json<Items>(await ok(port, ['recommend', '--item', itemId, '--limit', '4', '--json']));
    expect(similar.items!.length).toBeGreaterThan(0);
    expect(similar.items!.map((i) => i.itemId)).not.toContain(itemId);
    const cart = json<Items>(await ok(port, ['recommend', '--cart', `${itemId},${first.items![0]!.itemId}`, '--limit', '4', '--json']));
    expect(cart.items!.length).toBeGreaterThan(0);

    // rank: the given items only, for a user and a query.
    const ranked = json<Items>(await ok(port, ['rank', itemId, first.items![0]!.itemId, '--user', 'cli-user', '--query', 'running shoes', '--explain', '--json']));
    expect(ranked.items!.map((i) => i.itemId).sort()).toEqual([itemId, first.items![0]!.itemId].sort());

    // import: a CSV of two products, one call per product; --resume skips what was done.
    const products = join(work, 'products.csv');
    writeFileSync(products, 'id,title,brand,category_path,price,currency\ncli-1,Trail Running Shoes Green,Nike,Shoes/Running Shoes,88,USD\ncli-2,Espresso Cup Set,Bialetti,Kitchen/Cups,19,USD\n');
    expect(await ok(port, ['import', products, '--chunk', '1'])).toMatch(/2 products indexed, 0 unchanged, 0 rejected/);
    expect(await ok(port, ['import', products, '--resume'])).toMatch(/0 rejected/);
    expect(json<{ catalog: { products: number } }>(await ok(port, ['status', '--json'])).catalog.products).toBe(122);

    // track and backfill: accepted, then the same events again as duplicates.
    const applied = async () => json<{ events: { applied: number } }>(await ok(port, ['status', '--json'])).events.applied;
    await expectEventually(async () => expect(await applied()).toBe(2), { timeoutMs: 60_000 }); // the two impressions above
    const live = join(work, 'events.jsonl');
    writeFileSync(live, [1, 2, 3].map((n) => JSON.stringify({ type: 'EVENT_TYPE_CLICK', userId: 'cli-user', sessionId: `s${n}`, itemIds: [`cli-${(n % 2) + 1}`] })).join('\n') + '\n');
    expect(json<{ accepted: number }>(await ok(port, ['track', live, '--json'])).accepted).toBe(3);
    const history = join(work, 'history.jsonl');
    const day = 86_400_000;
    writeFileSync(history, [3, 2, 1].map((d) => JSON.stringify({ eventId: `h-${d}`, type: 'EVENT_TYPE_VIEW', userId: 'cli-historian', itemIds: ['cli-1'], occurredAt: new Date(Date.now() - d * day).toISOString() })).join('\n') + '\n');
    expect(await ok(port, ['backfill', history])).toMatch(/^3 events imported, 0 rejected/);
    await expectEventually(async () => expect(await applied()).toBe(8), { timeoutMs: 60_000 });
    expect(json<{ accepted: number; duplicates: number }>(await ok(port, ['track', live, '--json']))).toMatchObject({ accepted: 0, duplicates: 3 });

    // forget-user: later events of the user are counted as dropped.
    expect(await ok(port, ['forget-user', 'cli-historian'])).toMatch(/forgot cli-historian/);
    writeFileSync(history, JSON.stringify({ eventId: 'h-after', type: 'EVENT_TYPE_VIEW', userId: 'cli-historian', itemIds: ['cli-2'] }) + '\n');
    expect(await ok(port, ['track', history])).toMatch(/0 events accepted, 1 dropped \(their user was forgotten\), 0 rejected/);

    // experiments: the list, and one experiment's results.
    expect(await ok(port, ['experiments'])).toMatch(/search-diversity/);
    expect(await ok(port, ['experiments', 'search-diversity'])).toMatch(/variant\s+exposures/);

    // rules: a pin created from a file shows in the next search with its reason; an update needs
    // the version it read; deleting it empties the list.
    const rule = join(work, 'rule.json');
    writeFileSync(rule, JSON.stringify({ ruleId: 'cli-pin', condition: { queryPatterns: ['mug*'] }, pin: { itemId: 'cli-2', position: 0 } }));
    expect(await ok(port, ['rules', 'create', rule])).toBe('created rule cli-pin (version 1, active now): pin cli-2 at 0; queries mug*; always\n');
    expect(await ok(port, ['rules'])).toMatch(/cli-pin\s+1\s+yes\s+pin cli-2 at 0\s+queries mug\*\s+always/);
    const pinned = json<Items>(await ok(port, ['search', 'mug warmer', '--explain', '--json']));
    expect(pinned.items![0]).toMatchObject({ itemId: 'cli-2', reasons: expect.arrayContaining(['pinned by rule cli-pin']) });
    const noVersion = await cli(port, ['rules', 'update', rule]);
    expect(noVersion.code).toBe(1);
    expect(noVersion.stderr).toContain('rules update needs --version n');
    writeFileSync(rule, JSON.stringify({ ruleId: 'cli-pin', condition: { queryPatterns: ['mug*'] }, pin: { itemId: 'cli-2', position: 2 } }));
    expect(await ok(port, ['rules', 'update', rule, '--version', '1'])).toMatch(/^updated rule cli-pin \(version 2, active now\): pin cli-2 at 2/);
    expect(json<{ version: string }>(await ok(port, ['rules', 'show', 'cli-pin', '--json'])).version).toBe('2');
    expect(await ok(port, ['rules', 'delete', 'cli-pin', '--version', '2'])).toBe('deleted rule cli-pin (it was at version 2)\n');
    expect(await ok(port, ['rules', 'list'])).toMatch(/no merchandising rules yet/);

    // analytics: the first pages of the searches above, each counted once ("running shoes" four times).
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const report = json<{ topQueries?: { query: string; searches: string }[] }>(await ok(port, ['analytics', '--from', dayOf(Date.now() - 86_400_000), '--to', dayOf(Date.now()), '--json']));
    expect(report.topQueries!.find((q) => q.query === 'running shoes')?.searches).toBe('4');
    expect(await ok(port, ['analytics'])).toMatch(/^searches from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(UTC\): \d+ searches[\s\S]*top queries:\n.*query\s+searches\s+no results/);

    // The documented errors. evaluate without a known name lists the evaluations (exit 1: running
    // one takes minutes, and `npm run eval:*` is tested on its own). TLS to this plaintext port
    // cannot connect (exit 2); a CA file that does not exist is named.
    const evaluate = await cli(port, ['evaluate']);
    expect(evaluate.code).toBe(1);
    expect(evaluate.stderr).toMatch(/usage: shopsense evaluate <[a-z|]+>/);
    const tls = await cli(port, ['status', '--tls', '--timeout', '3000']);
    expect(tls.code).toBe(2);
    expect(tls.stderr).toMatch(/cannot reach ShopSense|did not answer/);
    const missingCa = await cli(port, ['search', 'mug', '--tls', '--ca', join(work, 'no-such-ca.pem')]);
    expect(missingCa.code).not.toBe(0);
    expect(missingCa.stderr).toContain('no-such-ca.pem');
    // An API key is sent with every call; this server checks none, so the call goes through.
    expect(await ok(port, ['search', 'mug', '--api-key', 'any-key', '--addr', `127.0.0.1:${port}`, '--limit', '1'])).toMatch(/#\s+item/);

    // Coverage: every command and every option the help names was run above.
    const commands = [...help.split('commands\n')[1]!.split('\n\noptions')[0]!.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!);
    const options = [...new Set(help.match(/--[a-z][a-z-]*/g))];
    expect(commands.length).toBeGreaterThan(8);
    const ran = used.flat();
    expect(commands.filter((c) => !used.some((args) => args[0] === c))).toEqual([]);
    expect(options.filter((o) => !ran.includes(o))).toEqual([]);
  }, 900_000);
});

