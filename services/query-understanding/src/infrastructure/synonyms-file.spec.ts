import { mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@shopsense/observability';
import { expectEventually } from '@shopsense/testing';
import { SynonymsFile } from './synonyms-file';

const logger = createLogger('test', 'silent');

describe('SynonymsFile', () => {
  it('loads the rules, skipping bad lines, and reloads when the file changes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'qu-syn-')), 'synonyms.txt');
    writeFileSync(path, 'sneakers, trainers\nnot a rule\n');
    const file = new SynonymsFile(path, logger);
    file.load();
    expect(file.rules).toEqual([{ kind: 'equivalent', phrases: ['sneakers', 'trainers'] }]);

    const changed = jest.fn();
    file.watch(20, changed);
    writeFileSync(path, 'hoodie, sweatshirt\n');
    utimesSync(path, new Date(), new Date(Date.now() + 5_000)); // a distinct mtime even on coarse clocks
    await expectEventually(() => expect(changed).toHaveBeenCalled(), { timeoutMs: 3_000 });
    expect(file.rules).toEqual([{ kind: 'equivalent', phrases: ['hoodie', 'sweatshirt'] }]);
    file.close();
  });

  it('fails at start when the file cannot be read (a wrong path is a configuration error)', () => {
    expect(() => new SynonymsFile('/nonexistent/synonyms.txt', logger).load()).toThrow(/ENOENT/);
  });
});
