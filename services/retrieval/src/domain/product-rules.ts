import type { Product } from '@shopsense/contracts';

/** Limits a product must respect; beyond them a row is rejected, not truncated silently. */
export const PRODUCT_LIMITS = {
  idChars: 128,
  titleChars: 1_000,
  descriptionChars: 20_000,
  brandChars: 200,
  categoryDepth: 10,
  categorySegmentChars: 200,
  attributes: 64,
  attributeKeyChars: 64,
  attributeValueChars: 512,
} as const;

const PRINTABLE_ID = /^[\x21-\x7E]+$/;

/** Why a product cannot be indexed, or undefined when it is fine. Only id and title are required. */
export function productProblem(product: Product): string | undefined {
  const L = PRODUCT_LIMITS;
  if (!product.id) return 'id is required';
  if (product.id.length > L.idChars) return `id must be at most ${L.idChars} characters`;
  if (!PRINTABLE_ID.test(product.id)) return 'id must be printable ASCII without spaces';
  if (!product.title.trim()) return 'title is required';
  if (product.title.length > L.titleChars) return `title must be at most ${L.titleChars} characters (got ${product.title.length})`;
  if (product.description.length > L.descriptionChars) return `description must be at most ${L.descriptionChars} characters (got ${product.description.length})`;
  if (product.brand.length > L.brandChars) return `brand must be at most ${L.brandChars} characters`;
  if (!Number.isFinite(product.price) || product.price < 0) return `price must be a non-negative number (got ${product.price})`;
  if (product.currency && !/^[A-Z]{3}$/.test(product.currency)) return `currency must be an ISO 4217 code like USD (got '${product.currency}')`;
  if (product.categoryPath.length > L.categoryDepth) return `category_path must have at most ${L.categoryDepth} levels`;
  for (const segment of product.categoryPath) {
    if (!segment.trim()) return 'category_path segments must not be empty';
    if (segment.includes('/')) return `category_path segment '${segment.slice(0, 40)}' must not contain '/'`;
    if (segment.length > L.categorySegmentChars) return `category_path segments must be at most ${L.categorySegmentChars} characters`;
  }
  const attributes = Object.entries(product.attributes);
  if (attributes.length > L.attributes) return `at most ${L.attributes} attributes`;
  for (const [key, value] of attributes) {
    if (!key || key.length > L.attributeKeyChars) return `attribute names must be 1 to ${L.attributeKeyChars} characters`;
    if (value.length > L.attributeValueChars) return `attribute '${key}' must be at most ${L.attributeValueChars} characters`;
  }
  return undefined;
}

/**
 * The text a product is embedded from: what a shopper would read first. Descriptions are cut
 * so a long one cannot crowd out the title within the model's token budget.
 */
export function embeddingText(product: Product): string {
  const parts = [product.title, product.brand, product.categoryPath.at(-1) ?? '', product.description.slice(0, 200)];
  return parts.filter((p) => p.trim().length > 0).join(' | ');
}
