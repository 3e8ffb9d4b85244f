import { csvColumnProblem, csvRecordComplete, parseCsvRow, parseJsonRow, splitCsvRecord } from './catalog-rows';

describe('catalog rows', () => {
  it('reads a protobuf-JSON product, with a category path given as a string', () => {
    const row = parseJsonRow('{"id": 7, "title": "Mug", "price": 4.5, "categoryPath": "Home > Kitchen", "attributes": {"colour": "red"}, "extra": 1}');
    expect(row.ok && row.product).toMatchObject({ id: '7', title: 'Mug', price: 4.5, categoryPath: ['Home', 'Kitchen'], attributes: { colour: 'red' } });
  });

  it.each([
    ['{"id": "1", "title": ', /not valid JSON/],
    ['[1, 2]', /not a JSON object/],
    ['{"id": "1", "price": "cheap"}', /price/],
  ])('rejects %p with a reason', (line, reason) => {
    const row = parseJsonRow(line);
    expect(!row.ok && row.reason).toMatch(reason);
  });

  it('splits CSV records with quoted commas, quotes and newlines', () => {
    expect(splitCsvRecord('1,"Mug, large","He said ""hi""",x')).toEqual(['1', 'Mug, large', 'He said "hi"', 'x']);
    expect(csvRecordComplete('1,"two\nlines')).toBe(false);
    expect(csvRecordComplete('1,"two\nlines",3')).toBe(true);
  });

  it('maps CSV columns to a product', () => {
    const header = ['id', 'title', 'price', 'in_stock', 'category_path', 'attr.colour'];
    const row = parseCsvRow(header, ['p1', 'Shoe', '19.99', 'no', 'Shoes/Running', 'blue']);
    expect(row.ok && row.product).toMatchObject({ id: 'p1', price: 19.99, inStock: false, categoryPath: ['Shoes', 'Running'], attributes: { colour: 'blue' } });
    expect(parseCsvRow(header, ['p1', 'Shoe', 'abc', '', '', '']).ok).toBe(false);
    expect(parseCsvRow(header, ['p1'])).toEqual({ ok: false, reason: 'expected 6 fields, got 1' });
  });

  it('names a CSV column the import ignores, and the one it probably meant', () => {
    expect(['id', 'title', 'category_path', 'in_stock', 'attr.color'].map(csvColumnProblem)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(csvColumnProblem('categorypath')).toBe("column 'categorypath' is ignored: did you mean 'category_path'?");
    expect(csvColumnProblem('colour')).toMatch(/^column 'colour' is ignored: the import reads id, title, .* and attr\.<name>$/);
    expect(csvColumnProblem('attr.')).toBeDefined();
  });
});
