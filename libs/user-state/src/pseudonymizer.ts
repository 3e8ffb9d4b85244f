import { createHmac } from 'node:crypto';
import { LruCache } from '@shopsense/caching';

/**
 * Keys of the pseudonymisation HMAC. Rotation: add a key, make it `current`; new events use it,
 * while ForgetUser still deletes the user under every listed key id. The key material never
 * appears in an error message or a log line.
 */
export interface HmacKeyring {
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,16}$/;
export const MIN_HMAC_KEY_BYTES = 32;

/**
 * Parses the keys file: `{"current":"k1","keys":{"k1":"<base64 of at least 32 random bytes>"}}`.
 * Throws an Error that names the problem, never the key.
 */
export function parseHmacKeyring(text: string): HmacKeyring {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the HMAC keys file is not valid JSON');
  }
  const shape = json as { current?: unknown; keys?: unknown };
  if (typeof shape !== 'object' || shape === null || typeof shape.current !== 'string' || typeof shape.keys !== 'object' || shape.keys === null) {
    throw new Error('the HMAC keys file must look like {"current":"k1","keys":{"k1":"<base64>"}}');
  }
  const keys = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(shape.keys as Record<string, unknown>)) {
    if (!KEY_ID.test(id)) throw new Error(`HMAC key id '${id.slice(0, 20)}' must match ${KEY_ID.source}`);
    if (typeof value !== 'string') throw new Error(`HMAC key '${id}' must be a base64 string`);
    const key = Buffer.from(value, 'base64');
    if (key.length < MIN_HMAC_KEY_BYTES) throw new Error(`HMAC key '${id}' must decode to at least ${MIN_HMAC_KEY_BYTES} bytes (got ${key.length})`);
    keys.set(id, key);
  }
  if (!keys.has(shape.current)) throw new Error(`the current HMAC key id '${String(shape.current).slice(0, 20)}' is not among the keys`);
  return { current: shape.current, keys };
}

export interface Pseudonym {
  keyId: string;
  /** `<keyId>:<22 base64url characters>`: 132 bits of HMAC-SHA256(key, user id). */
  pseudonym: string;
}

/**
 * Users whose pseudonym under the current key is kept at hand (in this process's memory only,
 * raw id → pseudonym, never written anywhere).
 * HMACs are the costliest step per event, a clickstream repeats its users, and the same user is
 * pseudonymised several times within moments: by Track, by the intake applying the event, by
 * every Search of a session.
 */
const RECENT_PSEUDONYMS = 100_000;

/** Raw user id → pseudonymous id. The only place a raw user id is turned into anything stored. */
export class Pseudonymizer {
  private readonly recent = new LruCache<string, Pseudonym>(RECENT_PSEUDONYMS);

  constructor(private readonly keyring: HmacKeyring) {}

  get currentKeyId(): string {
    return this.keyring.current;
  }

  /** Under the current key: what new events are stored under. */
  pseudonymize(userId: string): Pseudonym {
    const known = this.recent.get(userId);
    if (known) return known;
    const pseudonym = this.under(this.keyring.current, userId);
    this.recent.set(userId, pseudonym);
    return pseudonym;
  }

  /** Under every configured key: what ForgetUser deletes. */
  allPseudonyms(userId: string): Pseudonym[] {
    return [...this.keyring.keys.keys()].map((keyId) => this.under(keyId, userId));
  }

  /**
   * Drops the user from this process's memory of recent users (ForgetUser, once the user's state
   * is gone). Other processes keep theirs until it ages out: it is memory, never stored.
   */
  forgetRecent(userId: string): void {
    this.recent.delete(userId);
  }

  /** How many users' pseudonyms are held in memory. */
  get rememberedUsers(): number {
    return this.recent.size;
  }

  private under(keyId: string, userId: string): Pseudonym {
    const digest = createHmac('sha256', this.keyring.keys.get(keyId)!).update(userId, 'utf8').digest('base64url').slice(0, 22);
    return Object.freeze({ keyId, pseudonym: `${keyId}:${digest}` });
  }
}
