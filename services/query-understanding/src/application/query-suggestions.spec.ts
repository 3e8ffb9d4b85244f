import { createLogger } from '@shopsense/observability';
import { aProduct, analyzer } from '../../test/catalog.factory';
import { PinyinProReader } from '../infrastructure/pinyin-pro-reader';
import { QuerySuggestions } from './query-suggestions';

const suggestions = () => new QuerySuggestions(analyzer(), new PinyinProReader(), createLogger('test', 'silent'));
const catalog = (n: number) => Array.from({ length: n }, (_, i) => aProduct({ title: i % 2 ? '连衣裙 红色' : 'Running Shoes', brand: i % 2 ? '' : 'Li Ning', categoryPath: [i % 2 ? 'Dresses' : 'Shoes'] }));

describe('QuerySuggestions', () => {
  it('completes what was typed in any form query understanding normalises (full width, upper case, pinyin)', async () => {
    const service = suggestions();
    expect(await service.rebuild(catalog(4))).toBe(true);
    expect(service.suggest('ＲＵＮ').map((s) => s.text)).toEqual(['running shoes', 'running']);
    expect(service.suggest('LianYiQ').map((s) => s.text)).toEqual(['连衣裙']);
    expect(service.suggest('   ')).toEqual([]);
    expect(service.products).toBe(4);
  });

  it('forgets the phrases of products gone from the catalog at the next rebuild', async () => {
    const service = suggestions();
    await service.rebuild(catalog(4));
    await service.rebuild(catalog(4).filter((p) => p.title === 'Running Shoes'));
    expect(service.suggest('dre')).toEqual([]);
    expect(service.suggest('lianyiq')).toEqual([]);
    expect(service.suggest('连')).toEqual([]);
  });

  it('builds a large catalog over several turns of the event loop, answering from the previous index meanwhile; a newer rebuild supersedes it', async () => {
    const service = suggestions();
    await service.rebuild(catalog(2));
    const large = service.rebuild(catalog(1_200));
    expect(service.products).toBe(2); // still the previous index while the large one is counted
    const newer = service.rebuild(catalog(6));
    expect(await large).toBe(false);
    expect(await newer).toBe(true);
    expect(service.products).toBe(6);
  });
});
