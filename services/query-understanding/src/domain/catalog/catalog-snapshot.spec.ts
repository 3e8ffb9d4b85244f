import { aProduct } from '../../../test/catalog.factory';
import { CatalogSnapshot } from './catalog-snapshot';

describe('CatalogSnapshot', () => {
  it('applies upserts and deletes idempotently, counting real changes', () => {
    const snapshot = new CatalogSnapshot();
    const shoe = aProduct({ id: 'a', title: 'running shoes' });
    expect(snapshot.upsert(shoe)).toBe('applied');
    expect(snapshot.upsert({ ...shoe })).toBe('unchanged');
    expect(snapshot.upsert({ ...shoe, title: 'trail running shoes' })).toBe('applied');
    expect(snapshot.delete('a')).toBe('applied');
    expect(snapshot.delete('a')).toBe('unchanged');
    expect(snapshot.version).toBe(3);
    expect(snapshot.size).toBe(0);
  });

  it('ignores an upsert older than the stored version, even after an unchanged newer one', () => {
    const snapshot = new CatalogSnapshot();
    snapshot.upsert(aProduct({ id: 'a', title: 'v1', updatedAtMs: 1_000 }));
    expect(snapshot.upsert(aProduct({ id: 'a', title: 'v1', updatedAtMs: 3_000 }))).toBe('unchanged');
    expect(snapshot.upsert(aProduct({ id: 'a', title: 'v0', updatedAtMs: 2_000 }))).toBe('stale');
    expect(snapshot.get('a')?.title).toBe('v1');
  });
});
