import fc from 'fast-check';
import { decodeProfile, emptyProfile, encodeProfile, profileLastEventAt, profileRecentRefs, profileRevision, profileSeenRefs, RecentKind, type UserProfile } from './user-profile';
import { cosine } from './vector-codec';

const unit = (dimension: number, seed: number) => {
  const v = Float32Array.from({ length: dimension }, (_, i) => Math.sin(seed + i * 0.37));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('user profile codec', () => {
  it('fits a user with both 384-d vectors and 16 recent items in 888 bytes (one 896-byte Redis allocation)', () => {
    const profile: UserProfile = {
      ...emptyProfile(),
      revision: 3,
      shortTerm: { values: unit(384, 1), weight: 2.5 },
      longTerm: { values: unit(384, 2), weight: 40 },
      recent: Array.from({ length: 16 }, (_, i) => ({ ref: 1000 + i, kind: RecentKind.Click, inSession: i < 4 })),
    };
    expect(encodeProfile(profile).length).toBe(888);
  });

  it('round-trips every field; vectors within int8 precision', () => {
    const entry = fc.record({ ref: fc.integer({ min: 0, max: 0xffffffff }), kind: fc.constantFrom(RecentKind.View, RecentKind.Click, RecentKind.Cart, RecentKind.Purchase), inSession: fc.boolean() });
    fc.assert(
      fc.property(
        fc.record({
          revision: fc.integer({ min: 0, max: 0xffffffff }),
          lastEventAt: fc.integer({ min: 0, max: 0xffffffff }),
          sessionHash: fc.integer({ min: 0, max: 0xffffffff }),
          modelTag: fc.integer({ min: 0, max: 0xffffffff }),
          vectorUpdatedAt: fc.integer({ min: 0, max: 0xffffffff }),
          hasShort: fc.boolean(),
          hasLong: fc.boolean(),
          recent: fc.array(entry, { maxLength: 20 }),
          seen: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 50 }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        ({ hasShort, hasLong, seed, ...rest }) => {
          const profile: UserProfile = { ...rest, shortTerm: hasShort ? { values: unit(16, seed), weight: 1.5 } : null, longTerm: hasLong ? { values: unit(16, seed + 1), weight: 7.25 } : null };
          const encoded = encodeProfile(profile);
          const decoded = decodeProfile(encoded);
          expect({ ...decoded, shortTerm: null, longTerm: null }).toEqual({ ...profile, shortTerm: null, longTerm: null });
          expect(profileRevision(encoded)).toBe(profile.revision);
          expect(profileLastEventAt(encoded)).toBe(profile.lastEventAt);
          expect(profileRecentRefs(encoded)).toEqual(profile.recent.map((e) => e.ref));
          expect(profileSeenRefs(encoded)).toEqual(profile.seen);
          for (const key of ['shortTerm', 'longTerm'] as const) {
            expect(decoded[key] === null).toBe(profile[key] === null);
            if (profile[key]) {
              expect(decoded[key]!.weight).toBeCloseTo(profile[key]!.weight, 5);
              expect(cosine(decoded[key]!.values, profile[key]!.values)).toBeGreaterThan(0.999);
            }
          }
        },
      ),
    );
  });

  it('costs nothing for seen items until there are some, 4 bytes each after that; profiles written before seen items decode with none', () => {
    const base = { ...emptyProfile(), shortTerm: { values: unit(16, 3), weight: 1 }, recent: [{ ref: 9, kind: RecentKind.Purchase, inSession: false }] };
    const without = encodeProfile(base);
    expect(decodeProfile(without).seen).toEqual([]);
    const withSeen = encodeProfile({ ...base, seen: [9, 10, 11] });
    expect(withSeen.length).toBe(without.length + 2 + 12);
    expect(decodeProfile(withSeen).seen).toEqual([9, 10, 11]);
    expect(() => decodeProfile(withSeen.subarray(0, withSeen.length - 4))).toThrow(/expected/);
  });

  it('rejects bytes that are not a profile', () => {
    expect(() => decodeProfile(Buffer.from('hello'))).toThrow(/not a user profile/);
    const encoded = encodeProfile({ ...emptyProfile(), recent: [{ ref: 1, kind: RecentKind.View, inSession: false }] });
    expect(() => decodeProfile(encoded.subarray(0, encoded.length - 1))).toThrow(/expected/);
  });
});
