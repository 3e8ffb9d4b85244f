import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FtrlModel, RELEVANCE_PRIOR_WEIGHTS } from '../domain';
import { ModelRegistry } from './model-registry';

describe('ModelRegistry', () => {
  it('serves an untrained model until a snapshot is promoted, then the snapshot, also after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ranking-models-'));
    const registry = await ModelRegistry.open(dir);
    expect(registry.current().version).toBe('untrained');

    const model = new FtrlModel();
    for (let i = 0; i < 200; i++) model.update({ match: i % 2 }, i % 2 === 1);
    const version = await registry.promote(model, Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(version).toBe('ftrl-20260102T030405Z-n200');
    expect(registry.current().version).toBe(version);
    expect(registry.current().score({ match: 1 })).toBe(model.score({ match: 1 }));
    expect(readFileSync(join(dir, 'models', 'CURRENT'), 'utf8').trim()).toBe(version);

    const reopened = await ModelRegistry.open(dir);
    expect(reopened.current().version).toBe(version);
    // Read back, a model learned without the serving prior gets it for the features it never saw.
    expect(reopened.current().weights()).toEqual({ ...RELEVANCE_PRIOR_WEIGHTS, ...model.weights() });
    expect(reopened.byVersion(version)).toBe(reopened.current());
    expect(reopened.byVersion('ftrl-unknown')).toBeUndefined();

    // A pinned version outlives later promotions.
    expect(await reopened.preload(version)).toBe(true);
    for (let i = 1; i <= 10; i++) {
      model.update({ match: 1 }, true);
      await reopened.promote(model, Date.UTC(2026, 0, 3, 0, 0, i));
    }
    expect(reopened.byVersion(version)?.weights()).toEqual({ ...RELEVANCE_PRIOR_WEIGHTS, ...FtrlModel.fromSnapshot(JSON.parse(readFileSync(join(dir, 'models', `${version}.json`), 'utf8'))).weights() });
    expect(await reopened.preload('../../etc/passwd')).toBe(false);
  });

  it('refuses to start when CURRENT names a snapshot that is not there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ranking-models-'));
    await ModelRegistry.open(dir);
    writeFileSync(join(dir, 'models', 'CURRENT'), 'ftrl-missing\n');
    await expect(ModelRegistry.open(dir)).rejects.toThrow(/ftrl-missing/);
  });
});
