import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { CatalogChangeSchema, ProductSchema, type CatalogChange } from '@shopsense/contracts';
import { InProcessEventBus, Topics } from '@shopsense/events';
import { createLogger } from '@shopsense/observability';
import { expectEventually } from '@shopsense/testing';
import { analyzer } from '../../test/catalog.factory';
import { CatalogSync } from './catalog-sync';
import { QueryDictionaryStore } from './query-dictionary-store';

const logger = createLogger('test', 'silent');
const upsert = (id: string, title: string, brand: string, updatedAtMs = 0): CatalogChange =>
  create(CatalogChangeSchema, {
    change: { case: 'upsert', value: create(ProductSchema, { id, title, brand, categoryPath: ['Shoes'], ...(updatedAtMs ? { updatedAt: timestampFromMs(updatedAtMs) } : {}) }) },
  });
const remove = (id: string): CatalogChange => create(CatalogChangeSchema, { change: { case: 'delete', value: { productId: id } } });

describe('CatalogSync with the in-process bus', () => {
  let bus: InProcessEventBus;
  let store: QueryDictionaryStore;
  let sync: CatalogSync;
  let deadLetters: string;

  beforeEach(async () => {
    deadLetters = join(mkdtempSync(join(tmpdir(), 'qu-sync-')), 'dead-letters.jsonl');
    bus = new InProcessEventBus({ deadLetterFile: deadLetters, logger });
    store = new QueryDictionaryStore(analyzer(), () => [], { quietMs: 5, maxDelayMs: 50 }, logger);
    sync = new CatalogSync(bus, Topics.catalogChanges, store, logger);
  });

  afterEach(async () => {
    await sync.stop();
    store.close();
    await bus.close();
  });

  const brandsOf = (query: string) => store.parser.parse(query).filters.brands;
  const publish = (...changes: CatalogChange[]) => bus.publish(Topics.catalogChanges, changes.map((message, i) => ({ key: `k${i}`, message })));

  it('replays what was published before it started, then follows changes without a restart', async () => {
    await publish(upsert('1', 'Stridewell trail shoes', 'Stridewell'));
    await sync.start();
    await expectEventually(() => expect(brandsOf('stridewell shoes')).toEqual(['Stridewell']));

    await publish(upsert('2', 'Zephyr road shoes', 'Zephyr'));
    await expectEventually(() => expect(brandsOf('zephyr shoes')).toEqual(['Zephyr']));

    await publish(remove('1'));
    await expectEventually(() => expect(brandsOf('stridewell shoes')).toEqual([]));
    expect(brandsOf('zephyr shoes')).toEqual(['Zephyr']);
  });

  it('applies redelivered and out-of-order changes idempotently', async () => {
    await sync.start();
    await publish(upsert('1', 'Zephyr road shoes', 'Zephyr', 2_000), upsert('1', 'Zephyr road shoes', 'Zephyr', 2_000), upsert('1', 'Old name shoes', 'Oldco', 1_000));
    await expectEventually(() => expect(sync.changesReceived).toBe(3));
    await store.flush();
    expect(store.snapshot.size).toBe(1);
    expect(store.snapshot.get('1')?.brand).toBe('Zephyr');
  });

  it('dead-letters a change it can never use, with the reason, and goes on', async () => {
    await sync.start();
    await publish(upsert('', 'no id', 'X'), create(CatalogChangeSchema, {}), upsert('3', 'Zephyr shoes', 'Zephyr'));
    await expectEventually(() => expect(brandsOf('zephyr')).toEqual(['Zephyr']));
    await expectEventually(() => expect(existsSync(deadLetters) && readFileSync(deadLetters, 'utf8').trim().split('\n')).toHaveLength(2));
    expect(readFileSync(deadLetters, 'utf8')).toContain('upsert without a product id');
  });
});
