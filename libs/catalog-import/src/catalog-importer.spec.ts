import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Product } from '@shopsense/contracts';
import { importCatalog } from './catalog-importer';

describe('importCatalog, CSV', () => {
  it('warns once for each header column it ignores, and imports the rows', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'csv-import-')), 'products.csv');
    writeFileSync(file, 'id,title,categoryPath,attr.color\np1,Red mug,Kitchen > Mugs,red\np2,Blue mug,Kitchen > Mugs,blue\n');
    const sent: Product[] = [];
    const warnings: string[] = [];
    const summary = await importCatalog(
      file,
      async (products) => {
        sent.push(...products);
        return { accepted: products.length, unchanged: 0, rejections: [] };
      },
      { onWarning: (message) => warnings.push(message) },
    );
    expect(summary.accepted).toBe(2);
    expect(warnings).toEqual([`${file}: column 'categorypath' is ignored: did you mean 'category_path'?`]);
    expect(sent.map((p) => [p.id, p.categoryPath, p.attributes['color']])).toEqual([
      ['p1', [], 'red'],
      ['p2', [], 'blue'],
    ]);
  });
});
