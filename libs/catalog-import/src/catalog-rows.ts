import { create, fromJson } from '@bufbuild/protobuf';
import { ProductSchema, type Product } from '@shopsense/contracts';

export type RowResult = { ok: true; product: Product } | { ok: false; reason: string };

/** Longest line the importer reads; longer ones are rejected without being parsed. */
export const MAX_LINE_CHARS = 1_000_000;

/**
 * A JSONL row: one catalog.v1.Product in protobuf JSON (camelCase or snake_case names). A
 * category path may also be given as one string, "A > B > C" or "A/B/C".
 */
export function parseJsonRow(line: string): RowResult {
  if (line.length > MAX_LINE_CHARS) return { ok: false, reason: `line longer than ${MAX_LINE_CHARS} characters` };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'not a JSON object' };
  const row = { ...(json as Record<string, unknown>) };
  for (const key of ['categoryPath', 'category_path']) {
    if (typeof row[key] === 'string') row[key] = splitCategory(row[key] as string);
  }
  if (typeof row['id'] === 'number') row['id'] = String(row['id']);
  try {
    return { ok: true, product: fromJson(ProductSchema, row as never, { ignoreUnknownFields: true }) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

export function splitCategory(path: string): string[] {
  return path.split(/\s*(?:>|\/)\s*/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Splits one CSV record (RFC 4180: quoted fields may hold commas, quotes and newlines). */
export function splitCsvRecord(record: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const c = record[i]!;
    if (quoted) {
      if (c === '"' && record[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/** Whether a CSV record is complete (its quotes are balanced) or continues on the next line. */
export function csvRecordComplete(text: string): boolean {
  let quotes = 0;
  for (const c of text) if (c === '"') quotes++;
  return quotes % 2 === 0;
}

/** The CSV columns the import reads (header names are case-insensitive), besides attr.<name>. */
export const CSV_COLUMNS = ['id', 'title', 'description', 'brand', 'category_path', 'price', 'currency', 'in_stock', 'image_url'] as const;

/**
 * Why a (lower-cased) header column will be ignored, or undefined when the import reads it. A
 * column that differs from a known one only by case, `_` or `-` ("categoryPath") is named.
 */
export function csvColumnProblem(column: string): string | undefined {
  if ((CSV_COLUMNS as readonly string[]).includes(column) || (column.startsWith('attr.') && column.length > 5)) return undefined;
  const squashed = (name: string) => name.replace(/[_\-\s]/g, '');
  const meant = CSV_COLUMNS.find((known) => squashed(known) === squashed(column));
  return `column '${column}' is ignored: ${meant ? `did you mean '${meant}'?` : `the import reads ${CSV_COLUMNS.join(', ')} and attr.<name>`}`;
}

/**
 * A CSV row under a header: id, title, description, brand, category_path ("A > B"), price,
 * currency, in_stock (true/false/1/0/yes/no), image_url, and attr.<name> columns.
 */
export function parseCsvRow(header: readonly string[], fields: readonly string[]): RowResult {
  if (fields.length !== header.length) return { ok: false, reason: `expected ${header.length} fields, got ${fields.length}` };
  const value = (name: string) => {
    const i = header.indexOf(name);
    return i < 0 ? '' : fields[i]!.trim();
  };
  const priceText = value('price');
  const price = priceText === '' ? 0 : Number(priceText);
  if (!Number.isFinite(price)) return { ok: false, reason: `price '${priceText}' is not a number` };
  const stock = value('in_stock').toLowerCase();
  if (stock && !['true', 'false', '1', '0', 'yes', 'no'].includes(stock)) return { ok: false, reason: `in_stock '${stock}' is not true/false` };
  const attributes: Record<string, string> = {};
  header.forEach((name, i) => {
    if (name.startsWith('attr.') && fields[i]!.trim()) attributes[name.slice(5)] = fields[i]!.trim();
  });
  return {
    ok: true,
    product: create(ProductSchema, {
      id: value('id'),
      title: value('title'),
      description: value('description'),
      brand: value('brand'),
      categoryPath: splitCategory(value('category_path')),
      price,
      currency: value('currency'),
      inStock: stock === '' ? true : ['true', '1', 'yes'].includes(stock),
      imageUrl: value('image_url'),
      attributes,
    }),
  };
}
