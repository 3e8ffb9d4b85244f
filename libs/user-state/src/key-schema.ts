import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { hash32 } from './user-profile';

/**
 * Every Redis key ShopSense user/item state uses, in one place (documented in the README).
 * Each key of a user is derived from the pseudonymous id alone, so ForgetUser finds them all
 * without SCAN. No key or value holds a raw user id, a raw event id or free query text.
 */
export class StateKeys {
  constructor(
    readonly prefix = 'ss:',
    /** Profiles are spread over this many hashes (see profileShard). */
    readonly profileShards = 4096,
    /** Dedup records of one day are spread over this many hashes. */
    readonly dedupShards = 64,
  ) {}

  /**
   * The hash holding a user's profile under field = pseudonym. Many users share a hash so no
   * per-user key (and its ~100 bytes of key overhead) is paid; the shard comes from the
   * pseudonym's own digest, so it is uniform.
   */
  profileShard(pseudonym: string): string {
    return `${this.prefix}u:${shardOf(pseudonym, this.profileShards)}`;
  }

  profileShardByIndex(index: number): string {
    return `${this.prefix}u:${index}`;
  }

  /** Sorted set of forgotten pseudonyms, score = when the mark expires (ms; +inf: never). Their events are dropped. */
  get forgotten(): string {
    return `${this.prefix}forgotten`;
  }

  dedup(day: number, shard: number): string {
    return `${this.prefix}dedup:${day}:${shard}`;
  }

  /** An item's hourly and daily counters (item-stats.ts). */
  item(itemId: string): string {
    return `${this.prefix}item:${itemId}`;
  }

  /** Sorted sets of (normalised query digest → item → impressions / clicks). */
  queryImpressions(queryDigest: string): string {
    return `${this.prefix}qi:${queryDigest}:i`;
  }

  queryClicks(queryDigest: string): string {
    return `${this.prefix}qi:${queryDigest}:c`;
  }

  /** Sorted set of an item's top co-occurring items. */
  cooccurrence(itemId: string): string {
    return `${this.prefix}co:${itemId}`;
  }

  /** Sorted set of one event-time day's item engagement (popularity.ts), kept to the top items. */
  popularity(day: number): string {
    return `${this.prefix}pop:${day}`;
  }

  /** Item id ⇄ small integer reference, so recent-item lists take 4 bytes an entry. */
  get itemRefSequence(): string {
    return `${this.prefix}itemref:seq`;
  }

  get itemRefById(): string {
    return `${this.prefix}itemref:id`;
  }

  get itemIdByRef(): string {
    return `${this.prefix}itemref:ref`;
  }

  /** Join state of one served list (impressions and labels), until its window closes. */
  join(requestId: string): string {
    return `${this.prefix}join:${requestId}`;
  }

  /** Sorted set: request id → when its join window closes (ms). */
  get joinDue(): string {
    return `${this.prefix}join:due`;
  }

  /** Sorted set (all scores 0) of `<pseudonym>|<request id>`, to find a user's open joins by lexical range. */
  get joinOpen(): string {
    return `${this.prefix}join:open`;
  }

  /** The features the ranker logged for a served list (size-delimited TrainingExamples). */
  served(requestId: string): string {
    return `${this.prefix}served:${requestId}`;
  }

  /** Search analytics of one UTC day: hash normalised query → searches (and → searches that found nothing). */
  searches(day: string): string {
    return `${this.prefix}an:searches:${day}`;
  }

  zeroResultSearches(day: string): string {
    return `${this.prefix}an:zero:${day}`;
  }
}

/** The shard of a pseudonym: its text is already a uniform digest, so a fast hash spreads it evenly. */
export function shardOf(text: string, shards: number): number {
  return hash32(text) % shards;
}

/**
 * When a dedup hash written now expires (seconds since the epoch): the dedup TTL after its day
 * ends, and never less than the TTL from now. The second bound is for history (ImportEvents):
 * an event months old is still a duplicate when its import is redelivered or run again within
 * the TTL. Live events are at most the TTL old, so for them the first bound is the usual one.
 */
export function dedupExpiresAt(day: number, nowSeconds: number, ttlSeconds: number): number {
  return Math.max((day + 1) * 86400 + ttlSeconds, nowSeconds + ttlSeconds);
}

/** Where the dedup record of one event lives: a per-day, per-shard hash, field = event id digest. */
export interface DedupRef {
  /** Event-time day (days since the epoch): the record lives until dedupExpiresAt. */
  day: number;
  shard: number;
  /** 96 bits of SHA-256(event_id), base64url: event ids may embed user ids, so they are never stored raw. */
  field: string;
}

const sha256: (text: string) => Buffer =
  // crypto.hash (Node ≥ 20.12) is the one-shot form, noticeably cheaper per call than createHash.
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash(algorithm: string, data: string, encoding: 'buffer'): Buffer }).hash('sha256', text, 'buffer')
    : (text) => createHash('sha256').update(text, 'utf8').digest();

export function dedupRef(eventId: string, eventTimeSeconds: number, shards: number): DedupRef {
  const digest = sha256(eventId);
  return { day: Math.floor(eventTimeSeconds / 86400), shard: digest.readUInt32BE(0) % shards, field: digest.subarray(4, 16).toString('base64url') };
}
