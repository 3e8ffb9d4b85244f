import { createLogger } from '@shopsense/observability';
import { aProduct, analyzer } from '../../test/catalog.factory';
import { parseSynonyms, type SynonymRule } from '../domain/synonyms/synonym-rules';
import { QueryDictionaryStore } from './query-dictionary-store';

const logger = createLogger('test', 'silent');

describe('QueryDictionaryStore', () => {
  it('serves the old dictionaries until the rebuild, then the new ones, and tells listeners', async () => {
    const store = new QueryDictionaryStore(analyzer(), () => [], { quietMs: 60_000, maxDelayMs: 60_000 }, logger);
    const rebuilt = jest.fn();
    store.onRebuilt(rebuilt);
    store.upsert(aProduct({ id: 'a', title: 'Zephyr shoes', brand: 'Zephyr' }));
    expect(store.parser.parse('zephyr').filters.brands).toEqual([]);
    await store.flush();
    expect(store.parser.parse('zephyr').filters.brands).toEqual(['Zephyr']);
    expect(rebuilt).toHaveBeenCalledWith(expect.objectContaining({ version: 1 }), [expect.objectContaining({ id: 'a' })]);
    store.close();
  });

  it('does not rebuild for a change that changed nothing', async () => {
    const store = new QueryDictionaryStore(analyzer(), () => [], { quietMs: 60_000, maxDelayMs: 60_000 }, logger);
    const product = aProduct({ id: 'a', title: 'Zephyr shoes', brand: 'Zephyr' });
    store.upsert(product);
    await store.flush();
    store.upsert({ ...product });
    store.delete('missing');
    await store.flush();
    expect(store.dictionaryVersion).toBe(1);
    store.close();
  });

  it('rebuilds when the synonyms change', async () => {
    let rules: SynonymRule[] = [];
    const store = new QueryDictionaryStore(analyzer(), () => rules, { quietMs: 60_000, maxDelayMs: 60_000 }, logger);
    expect(store.parser.parse('sneakers').synonyms).toEqual([]);
    rules = parseSynonyms('sneakers, trainers').rules;
    store.synonymsChanged();
    await store.flush();
    expect(store.parser.parse('sneakers').synonyms).toEqual([{ term: 'sneakers', synonyms: ['trainers'] }]);
    store.close();
  });
});
