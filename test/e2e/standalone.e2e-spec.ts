/**
 * Standalone mode as a new user meets it (issue 8, done-when 1): `npm start` on a fresh data
 * folder indexes the demo catalog and serves; the CLI searches, tracks events, recommends from
 * them and forgets a user; Ctrl-C stops it; a second `npm start` serves the same index and user
 * state without indexing again.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENEROUS_HOP_BUDGETS, npmStart as startStandaloneProcess, runCli, signalGroup, type StartedStandalone as Started } from './support/standalone-process';

const dataDir = mkdtempSync(join(tmpdir(), 'standalone-e2e-'));

const ENV = {
  ...process.env,
  SHOPSENSE_DATA_DIR: dataDir,
  SHOPSENSE_PORT: '0',
  SHOPSENSE_METRICS_PORT: '0',
  // Saved on Ctrl-C only: a periodic save would cut the event log at a time the machine's speed
  // decides, and the data-folder scan after forget-user must see the other user's events still there.
  SHOPSENSE_SNAPSHOT_INTERVAL_S: '86400',
  ...GENEROUS_HOP_BUDGETS,
};

const npmStart = () => startStandaloneProcess(ENV);

/** Files under `dir` whose bytes contain `text`. */
function filesHolding(dir: string, text: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => readFileSync(file).includes(text));
}
const ctrlC = (started: Started) => signalGroup(started, 'SIGINT');

function cli(port: number, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { ...ENV, SHOPSENSE_ADDR: `127.0.0.1:${port}` });
}

async function cliJson<T>(port: number, args: string[]): Promise<T> {
  const result = await cli(port, [...args, '--json']);
  if (result.code !== 0) throw new Error(`shopsense ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as T;
}

interface Items {
  items?: { itemId: string; sources?: string[]; product?: { categoryPath?: string[]; attributes?: Record<string, string> } }[];
}

describe('standalone: npm start, the CLI, and a restart', () => {
  let running: Started | undefined;

  afterAll(async () => {
    if (running && running.child.exitCode === null) await ctrlC(running);
  });

  it('indexes the demo catalog on the first start, serves the CLI, and keeps index and user state across a restart', async () => {
    running = await npmStart();
    expect(running.stderr()).toMatch(/Indexed 1\d{3} products/);

    // Search: Chinese and English queries find matching products; extracted filters are applied.
    const shoes = await cliJson<Items & { parsedQuery?: { filters?: { price?: { max?: number } } } }>(running.port, ['search', 'running shoes under 100', '--limit', '10']);
    expect(shoes.parsedQuery?.filters?.price?.max).toBe(100);
    expect(shoes.items!.length).toBeGreaterThan(3);
    for (const item of shoes.items!) expect(item.product!.categoryPath).toContain('Running Shoes');
    const red = await cliJson<Items>(running.port, ['search', '红色 跑鞋', '--limit', '5']);
    expect(red.items!.length).toBeGreaterThan(0);
    for (const item of red.items!) expect(item.product!.attributes!['color']).toBe('red');

    // A table by default, and a readable message for a bad request.
    const table = await cli(running.port, ['search', 'mug', '--limit', '3']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/#\s+item\s+title/);
    const bad = await cli(running.port, ['search', 'mug', '--limit', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--limit must be a number between 1 and 1000');

    // Track: a user who clicks mugs gets recommendations from their history.
    const mugIds = (await cliJson<Items>(running.port, ['search', 'coffee mug', '--limit', '4'])).items!.map((i) => i.itemId);
    expect(mugIds.length).toBe(4);
    const events = join(mkdtempSync(join(tmpdir(), 'standalone-e2e-input-')), 'events.jsonl'); // the user's file, outside the data folder
    writeFileSync(events, mugIds.map((id) => JSON.stringify({ type: 'EVENT_TYPE_CLICK', userId: 'e2e-mug-fan', sessionId: 's1', itemIds: [id] })).join('\n') + '\n{"type":"EVENT_TYPE_CLICK","itemIds":["x"]}\n');
    const tracked = await cli(running.port, ['track', events, '--json']);
    expect(JSON.parse(tracked.stdout.trim())).toEqual({ accepted: 4, duplicates: 0, forgotten: 0, rejected: [{ line: 5, reason: expect.stringContaining('user_id') }] });
    expect(tracked.code).toBe(1); // some lines were rejected: scripts can tell

    const personal = async (port: number) => {
      for (let attempt = 0; attempt < 30; attempt++) {
        const response = await cliJson<Items>(port, ['recommend', '--user', 'e2e-mug-fan', '--exclude-seen', '--limit', '5']);
        if (response.items?.length) return response;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      throw new Error('no recommendations for the user who clicked mugs');
    };
    const before = await personal(running.port);
    for (const item of before.items!) expect(mugIds).not.toContain(item.itemId);
    expect(before.items!.some((i) => i.product!.categoryPath!.includes('Mugs') || i.product!.categoryPath!.join('/').includes('Drinkware'))).toBe(true);

    // Forget a second user: nothing personal is recommended to them any more, also after the restart.
    const personalSources = (response: Items) => (response.items ?? []).flatMap((i) => i.sources ?? []).filter((s) => s === 'user_interest' || s === 'similar');
    writeFileSync(events, mugIds.map((id) => JSON.stringify({ type: 'EVENT_TYPE_CLICK', userId: 'e2e-forgotten', sessionId: 's2', itemIds: [id] })).join('\n') + '\n');
    expect((await cli(running.port, ['track', events])).code).toBe(0);
    await personal(running.port); // the events are applied (the same shape of history as the first user's)
    const forgot = await cli(running.port, ['forget-user', 'e2e-forgotten']);
    expect(forgot.code).toBe(0);
    // Nothing in the data folder holds the raw id any more: the event log's records of the user are emptied.
    expect(filesHolding(dataDir, 'e2e-forgotten')).toEqual([]);
    expect(filesHolding(dataDir, 'e2e-mug-fan').length).toBeGreaterThan(0); // the scan finds a user who was not forgotten
    expect(personalSources(await cliJson<Items>(running.port, ['recommend', '--user', 'e2e-forgotten', '--limit', '5']))).toEqual([]);

    // Ctrl-C: a clean stop that saves user state; the next start indexes nothing and serves the same data.
    expect([0, 'SIGINT']).toContain(await ctrlC(running));
    expect(running.stderr()).toMatch(/SIGINT received: finishing in-flight calls, saving user state…\nStopped\.\n/);
    const firstStderr = running.stderr();
    running = await npmStart();
    expect(running.stderr()).not.toMatch(/Indexing /);
    expect(running.stderr()).toMatch(/Catalog: 1\d{3} products .* indexed on the first start/);
    expect(running.stderr()).toMatch(/User state restored from the snapshot/);
    const after = await cliJson<Items>(running.port, ['search', 'running shoes under 100', '--limit', '10']);
    expect(after.items!.map((i) => i.itemId).sort()).toEqual(shoes.items!.map((i) => i.itemId).sort());
    const remembered = await personal(running.port);
    expect(remembered.items!.map((i) => i.itemId).sort()).toEqual(before.items!.map((i) => i.itemId).sort());
    expect(personalSources(await cliJson<Items>(running.port, ['recommend', '--user', 'e2e-forgotten', '--limit', '5']))).toEqual([]);

    const coldSeconds = Number(/started in ([\d.]+) s/.exec(firstStderr)?.[1]);
    const warmSeconds = Number(/started in ([\d.]+) s/.exec(running.stderr())?.[1]);
    expect(warmSeconds).toBeLessThan(coldSeconds);
    expect(readFileSync(join(dataDir, 'catalog-import.json'), 'utf8')).toContain('"accepted"');
  }, 900_000);

  it('tells the user when the server is not running', async () => {
    const result = await cli(1, ['search', 'mug']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot reach ShopSense at 127.0.0.1:1: is it running? Start it with `npm start`');
  });
});
