import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogProduct } from '../../services/query-understanding/src/domain/catalog/catalog-snapshot';

export const AMAZON_ITEMS = join(__dirname, '../../../shared/datasets/amazon-scientific/items.json');

interface AmazonItem {
  title?: string;
  brand?: string;
  categories?: string;
}

/**
 * The shared Amazon "Industrial & Scientific" catalog as catalog products (third-party text:
 * loaded as data, never copied). Its category field is one string whose separators are commas
 * without a following space ("A,Tapes, Adhesives & Sealants,Adhesive Tapes"): names themselves
 * contain ", ". HTML entities are decoded and "/" (the path separator of the API) is replaced.
 * Undefined when ../shared is not there.
 */
export function loadAmazonCatalog(): CatalogProduct[] | undefined {
  if (!existsSync(AMAZON_ITEMS)) return undefined;
  const items = JSON.parse(readFileSync(AMAZON_ITEMS, 'utf8')) as Record<string, AmazonItem>;
  return Object.entries(items)
    .filter(([, item]) => (item.title ?? '').trim() !== '')
    .map(([id, item]) => ({
      id: `amazon-${id}`,
      title: decode(item.title!),
      brand: decode(item.brand ?? ''),
      categoryPath: decode(item.categories ?? '')
        .split(/,(?! )/)
        .map((s) => s.trim().replace(/\//g, '-'))
        .filter((s) => s.length > 0)
        .slice(0, 10),
      attributes: {},
      updatedAtMs: 0,
    }));
}

function decode(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
