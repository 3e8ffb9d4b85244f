import { parseHmacKeyring, Pseudonymizer } from './pseudonymizer';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

describe('Pseudonymizer', () => {
  const keyring = parseHmacKeyring(JSON.stringify({ current: 'k2', keys: { k1: key(1), k2: key(2) } }));
  const pseudonymizer = new Pseudonymizer(keyring);

  it('is deterministic per key, differs across keys and users, and carries the key id', () => {
    const a = pseudonymizer.pseudonymize('alice@example.com');
    expect(a).toEqual(pseudonymizer.pseudonymize('alice@example.com'));
    expect(a.keyId).toBe('k2');
    expect(a.pseudonym).toMatch(/^k2:[A-Za-z0-9_-]{22}$/);
    expect(a.pseudonym).not.toContain('alice');
    expect(pseudonymizer.pseudonymize('bob').pseudonym).not.toBe(a.pseudonym);
    const all = pseudonymizer.allPseudonyms('alice@example.com');
    expect(all.map((p) => p.keyId)).toEqual(['k1', 'k2']);
    expect(all[0]!.pseudonym.slice(3)).not.toBe(all[1]!.pseudonym.slice(3));
  });

  it('answers the same from its memory of recent users as a fresh HMAC, past its bound and after a forget', () => {
    const remembering = new Pseudonymizer(keyring);
    const users = Array.from({ length: 120_000 }, (_, i) => `user-${i}`);
    const first = users.map((u) => remembering.pseudonymize(u).pseudonym);
    const again = [...users].reverse().map((u) => remembering.pseudonymize(u).pseudonym).reverse();
    expect(again).toEqual(first);
    const fresh = new Pseudonymizer(keyring);
    expect(users.filter((_, i) => i % 997 === 0).map((u) => fresh.pseudonymize(u).pseudonym)).toEqual(first.filter((_, i) => i % 997 === 0));
    const current = remembering.allPseudonyms('user-7').find((p) => p.keyId === 'k2');
    expect(current?.pseudonym).toBe(first[7]);
    expect(remembering.pseudonymize('user-7').pseudonym).toBe(first[7]);
    // Bounded, and a forgotten user leaves it.
    expect(remembering.rememberedUsers).toBe(100_000);
    remembering.forgetRecent('user-7');
    expect(remembering.rememberedUsers).toBe(99_999);
    expect(remembering.pseudonymize('user-7').pseudonym).toBe(first[7]);
  });

  it('rejects bad key files without ever echoing key material', () => {
    const secret = Buffer.alloc(8, 7).toString('base64');
    const attempts = [
      'not json',
      JSON.stringify({ current: 'k1' }),
      JSON.stringify({ current: 'k1', keys: { k1: secret } }),
      JSON.stringify({ current: 'k9', keys: { k1: key(1) } }),
      JSON.stringify({ current: 'k1', keys: { 'bad id!': key(1) } }),
    ];
    for (const text of attempts) {
      let message = '';
      try {
        parseHmacKeyring(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(secret);
      expect(message).not.toContain(key(1));
    }
  });
});
