import { dequantizeInt8, quantizeInt8Into } from './vector-codec';

/** Kinds of the per-user recent-item lists. Values are stored, so never renumber them. */
export enum RecentKind {
  View = 1,
  Click = 2,
  Cart = 3,
  Purchase = 4,
}

export interface RecentEntry {
  /** The item's interned reference (see the key schema: `itemref:*`), not its id. */
  ref: number;
  kind: RecentKind;
  /** The item was touched in the user's current session (co-occurrence pairs come from these). */
  inSession: boolean;
}

/** A weighted mean of item embeddings: `values` is the mean, `weight` the decayed event weight behind it. */
export interface InterestVector {
  values: Float32Array;
  weight: number;
}

/**
 * Everything stored per user, in one value. The raw user id is never part of it; the profile is
 * found by the pseudonymous id only.
 */
export interface UserProfile {
  /** Bumped on every write; writers compare it (compare-and-set) so concurrent writers never lose an update. */
  revision: number;
  /** Event time (unix seconds) of the latest event applied. */
  lastEventAt: number;
  /** 32-bit hash of the current session id (0: none). */
  sessionHash: number;
  /** 32-bit hash of the embedding model version that produced the vectors. */
  modelTag: number;
  /** Event time (unix seconds) of the latest vector update. */
  vectorUpdatedAt: number;
  shortTerm: InterestVector | null;
  longTerm: InterestVector | null;
  /** Most recent first, bounded per kind by the writer. */
  recent: RecentEntry[];
  /**
   * Refs of every item the user viewed, clicked, carted or bought, distinct, least recently
   * touched first, bounded by the writer (oldest dropped): what `exclude_seen` excludes.
   */
  seen: number[];
}

export const PROFILE_FORMAT = 1;
/** Byte offsets the Lua scripts rely on (1-based there): revision at 4, lastEventAt at 8, recent entries from 40. */
export const PROFILE_OFFSETS = { revision: 4, lastEventAt: 8, recentEntries: 40 } as const;
export const MAX_RECENT_ENTRIES = 63;
/** The seen trailer's count is a u16; the writer's bound (FEEDBACK_SEEN_ITEMS_MAX) is far lower. */
export const MAX_SEEN_REFS = 4_096;
const HEADER_BYTES = 40;
const ENTRY_BYTES = 5;

export function emptyProfile(): UserProfile {
  return { revision: 0, lastEventAt: 0, sessionHash: 0, modelTag: 0, vectorUpdatedAt: 0, shortTerm: null, longTerm: null, recent: [], seen: [] };
}

/**
 * Binary layout (little-endian), sized so that a user with both 384-d vectors and 16 recent
 * items fits in 888 bytes, one 896-byte allocation in Redis:
 *
 *   0  u8   format (1)
 *   1  u8   bit 0: short-term present, bit 1: long-term present, bits 2-7: recent entry count
 *   2  u16  dimension (0: no vectors)
 *   4  u32  revision
 *   8  u32  lastEventAt
 *  12  u32  sessionHash
 *  16  u32  modelTag
 *  20  u32  vectorUpdatedAt
 *  24  f32  short-term weight     28 f32 short-term scale
 *  32  f32  long-term weight      36 f32 long-term scale
 *  40  recent entries, 5 bytes each: u32 item ref, u8 kind (bit 7: in session)
 *  ..  i8[dimension] short-term (if present), then i8[dimension] long-term (if present)
 *  ..  u16 seen count, then u32 item refs (the seen items; absent when there are none, as in
 *      profiles written before it existed, which therefore still decode)
 */
export function encodeProfile(profile: UserProfile): Buffer {
  const dimension = profile.shortTerm?.values.length ?? profile.longTerm?.values.length ?? 0;
  if (profile.shortTerm && profile.longTerm && profile.shortTerm.values.length !== profile.longTerm.values.length) {
    throw new Error('short- and long-term vectors must have the same dimension');
  }
  if (profile.recent.length > MAX_RECENT_ENTRIES) throw new Error(`at most ${MAX_RECENT_ENTRIES} recent entries`);
  if (profile.seen.length > MAX_SEEN_REFS) throw new Error(`at most ${MAX_SEEN_REFS} seen items`);
  const vectors = [profile.shortTerm, profile.longTerm].filter((v): v is InterestVector => v !== null);
  const seenBytes = profile.seen.length > 0 ? 2 + 4 * profile.seen.length : 0;
  const buffer = Buffer.alloc(HEADER_BYTES + ENTRY_BYTES * profile.recent.length + dimension * vectors.length + seenBytes);
  const flags = (profile.shortTerm ? 1 : 0) | (profile.longTerm ? 2 : 0) | (profile.recent.length << 2);
  buffer.writeUInt8(PROFILE_FORMAT, 0);
  buffer.writeUInt8(flags, 1);
  buffer.writeUInt16LE(dimension, 2);
  buffer.writeUInt32LE(profile.revision >>> 0, 4);
  buffer.writeUInt32LE(clampU32(profile.lastEventAt), 8);
  buffer.writeUInt32LE(profile.sessionHash >>> 0, 12);
  buffer.writeUInt32LE(profile.modelTag >>> 0, 16);
  buffer.writeUInt32LE(clampU32(profile.vectorUpdatedAt), 20);
  let offset = HEADER_BYTES;
  profile.recent.forEach((entry) => {
    buffer.writeUInt32LE(entry.ref >>> 0, offset);
    buffer.writeUInt8((entry.kind & 0x7f) | (entry.inSession ? 0x80 : 0), offset + 4);
    offset += ENTRY_BYTES;
  });
  const writeVector = (vector: InterestVector | null, weightAt: number) => {
    if (!vector) return;
    const scale = quantizeInt8Into(vector.values, buffer, offset);
    buffer.writeFloatLE(vector.weight, weightAt);
    buffer.writeFloatLE(scale, weightAt + 4);
    offset += dimension;
  };
  writeVector(profile.shortTerm, 24);
  writeVector(profile.longTerm, 32);
  if (seenBytes > 0) {
    buffer.writeUInt16LE(profile.seen.length, offset);
    profile.seen.forEach((ref, i) => buffer.writeUInt32LE(ref >>> 0, offset + 2 + 4 * i));
  }
  return buffer;
}

/** The item refs of an encoded profile's recent entries, newest first, without decoding its vectors. */
export function profileRecentRefs(buffer: Uint8Array): number[] {
  const b = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const count = b.readUInt8(1) >> 2;
  const refs: number[] = new Array(count);
  for (let i = 0; i < count; i++) refs[i] = b.readUInt32LE(HEADER_BYTES + i * ENTRY_BYTES);
  return refs;
}

/** The refs of an encoded profile's seen items, least recently touched first, without decoding its vectors. */
export function profileSeenRefs(buffer: Uint8Array): number[] {
  const b = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const flags = b.readUInt8(1);
  const fixed = HEADER_BYTES + ENTRY_BYTES * (flags >> 2) + b.readUInt16LE(2) * ((flags & 1) + ((flags >> 1) & 1));
  const count = b.length >= fixed + 2 ? b.readUInt16LE(fixed) : 0;
  const refs: number[] = new Array(count);
  for (let i = 0; i < count; i++) refs[i] = b.readUInt32LE(fixed + 2 + 4 * i);
  return refs;
}

export function decodeProfile(buffer: Uint8Array): UserProfile {
  const b = Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (b.length < HEADER_BYTES || b.readUInt8(0) !== PROFILE_FORMAT) throw new Error(`not a user profile of format ${PROFILE_FORMAT}`);
  const flags = b.readUInt8(1);
  const dimension = b.readUInt16LE(2);
  const count = flags >> 2;
  const hasShort = (flags & 1) !== 0;
  const hasLong = (flags & 2) !== 0;
  const fixed = HEADER_BYTES + ENTRY_BYTES * count + dimension * ((hasShort ? 1 : 0) + (hasLong ? 1 : 0));
  const seenCount = b.length >= fixed + 2 ? b.readUInt16LE(fixed) : 0;
  const expected = fixed + (b.length > fixed ? 2 + 4 * seenCount : 0);
  if (b.length !== expected) throw new Error(`user profile of ${b.length} bytes, expected ${expected}`);
  const recent: RecentEntry[] = [];
  let offset = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const kindByte = b.readUInt8(offset + 4);
    recent.push({ ref: b.readUInt32LE(offset), kind: (kindByte & 0x7f) as RecentKind, inSession: (kindByte & 0x80) !== 0 });
    offset += ENTRY_BYTES;
  }
  const readVector = (present: boolean, weightAt: number): InterestVector | null => {
    if (!present) return null;
    const values = new Int8Array(b.buffer, b.byteOffset + offset, dimension);
    offset += dimension;
    return { values: dequantizeInt8(values, b.readFloatLE(weightAt + 4)), weight: b.readFloatLE(weightAt) };
  };
  const shortTerm = readVector(hasShort, 24);
  const longTerm = readVector(hasLong, 32);
  const seen: number[] = new Array(seenCount);
  for (let i = 0; i < seenCount; i++) seen[i] = b.readUInt32LE(fixed + 2 + 4 * i);
  return {
    revision: b.readUInt32LE(4),
    lastEventAt: b.readUInt32LE(8),
    sessionHash: b.readUInt32LE(12),
    modelTag: b.readUInt32LE(16),
    vectorUpdatedAt: b.readUInt32LE(20),
    shortTerm,
    longTerm,
    recent,
    seen,
  };
}

/** The revision of an encoded profile without decoding the rest (what compare-and-set compares). */
export function profileRevision(buffer: Uint8Array): number {
  return Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).readUInt32LE(PROFILE_OFFSETS.revision);
}

/** Event time of the latest event in an encoded profile (what retention compares). */
export function profileLastEventAt(buffer: Uint8Array): number {
  return Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength).readUInt32LE(PROFILE_OFFSETS.lastEventAt);
}

function clampU32(value: number): number {
  return Math.max(0, Math.min(0xffffffff, Math.floor(value)));
}

/** FNV-1a, 32 bits: a stable small hash for session ids and model versions (not a security boundary). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
