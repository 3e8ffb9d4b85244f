import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, toJson } from '@bufbuild/protobuf';
import { ProductSchema, type Product } from '@shopsense/contracts';
import { requireSharedDataset } from './shared-data';

interface AmazonItem {
  title: string;
  description: string;
  brand: string;
  categories: string;
}

/**
 * The amazon-scientific items as catalog Products: the item key is the id, the comma-separated
 * categories become the path (most general first). The data has no prices or stock, so the
 * products carry none (price 0, in stock): filters on those are meaningless on this catalog.
 */
export function loadAmazonProducts(): Product[] {
  const file = join(requireSharedDataset('amazon-scientific'), 'items.json');
  const items = JSON.parse(readFileSync(file, 'utf8')) as Record<string, AmazonItem>;
  return Object.entries(items).map(([id, item]) =>
    create(ProductSchema, {
      id,
      title: item.title.trim() || `item ${id}`,
      description: item.description ?? '',
      brand: item.brand ?? '',
      categoryPath: (item.categories ?? '')
        .split(',')
        .map((c) => c.replace(/\//g, '-').trim())
        .filter((c) => c.length > 0),
      inStock: true,
    }),
  );
}

/** Writes the products as a JSONL catalog file that the import command reads. */
export function writeAmazonJsonl(target: string): number {
  return writeProductsJsonl(target, loadAmazonProducts());
}

/** Writes products as a JSONL catalog file (protobuf JSON, one product a line); returns how many. */
export function writeProductsJsonl(target: string, products: readonly Product[]): number {
  writeFileSync(target, products.map((p) => JSON.stringify(toJson(ProductSchema, p))).join('\n') + '\n');
  return products.length;
}
