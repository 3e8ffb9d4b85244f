import type { JoinImpression, JoinLabel } from './user-state-store.port';

/**
 * The join state of one served list, as stored (a hash per request id) and as claimed:
 *   u              pseudonymous user id
 *   t, k, q, ch, x meta of the first impression: served at (s), key id, query, channel, experiments
 *                  (separate short fields keep the hash in Redis's compact listpack encoding)
 *   i:<item>       the position the item was shown at (a later impression of the same item overwrites it)
 *   c:<item>, a:<item>, p:<item>   labels: clicked, added to cart, purchased
 */
export interface JoinMeta {
  keyId: string;
  servedAt: number;
  query: string;
  channel: string;
  experiments: string;
}

/** The meta fields after `t` (which is written first, with HSETNX, and marks the meta as present). */
export function joinMetaFields(j: JoinImpression): string[] {
  return ['k', j.keyId, 'q', j.query, 'ch', j.channel, 'x', j.experiments];
}

/** `i:<item>`, position pairs for one HSET (short values keep the hash in listpack encoding). */
export function joinItemFields(j: JoinImpression): (string | number)[] {
  const fields: (string | number)[] = [];
  for (const i of j.items) fields.push(`i:${i.itemId}`, i.position);
  return fields;
}

export function labelField(j: JoinLabel): string {
  return `${j.kind[0]}:${j.itemId}`;
}

export interface DecodedJoin {
  pseudonym: string | null;
  meta: JoinMeta | null;
  /** item → the position it was shown at */
  impressions: Map<string, number>;
  labels: Set<string>;
}

export function decodeJoin(fields: Record<string, string>): DecodedJoin {
  const meta: JoinMeta | null =
    fields['t'] === undefined ? null : { keyId: fields['k'] ?? '', servedAt: Number(fields['t']), query: fields['q'] ?? '', channel: fields['ch'] ?? '', experiments: fields['x'] ?? '' };
  const impressions = new Map<string, number>();
  const labels = new Set<string>();
  for (const [field, position] of Object.entries(fields)) if (field.startsWith('i:')) impressions.set(field.slice(2), Number(position));
  for (const field of Object.keys(fields)) if (/^[cap]:/.test(field)) labels.add(field);
  return { pseudonym: fields['u'] ?? null, meta, impressions, labels };
}
