import { createHash } from 'node:crypto';
import { ApiKeyAuthorizer, methodMatches, parseApiKeys, presentedApiKey } from './api-keys';

const KEY = 'storefront-key-0123456789';

describe('API keys', () => {
  const clients = parseApiKeys(
    JSON.stringify({
      clients: [
        { name: 'storefront', keySha256: createHash('sha256').update(KEY).digest('hex'), methods: ['shopsense.ranking.v1.RankingService/*'] },
        { name: 'ops', key: 'ops-key-0123456789abcdef', methods: ['*'] },
      ],
    }),
  );
  const authorizer = new ApiKeyAuthorizer(clients);

  it('allows a key within its methods, by hash or by plain key', () => {
    expect(authorizer.decide('/shopsense.ranking.v1.RankingService/Search', KEY)).toEqual({ allowed: true, client: 'storefront' });
    expect(authorizer.decide('/shopsense.catalog.v1.CatalogService/GetProduct', 'ops-key-0123456789abcdef')).toEqual({ allowed: true, client: 'ops' });
  });

  it('separates unauthenticated from permission denied', () => {
    expect(authorizer.decide('/shopsense.ranking.v1.RankingService/Search', undefined)).toMatchObject({ allowed: false, reason: 'unauthenticated' });
    expect(authorizer.decide('/shopsense.ranking.v1.RankingService/Search', 'nope')).toMatchObject({ allowed: false, reason: 'unauthenticated' });
    expect(authorizer.decide('/shopsense.catalog.v1.CatalogService/GetProduct', KEY)).toMatchObject({ allowed: false, reason: 'permission-denied' });
  });

  it('never asks health probes for a key', () => {
    expect(authorizer.decide('/grpc.health.v1.Health/Check', undefined).allowed).toBe(true);
  });

  it('matches method patterns exactly', () => {
    expect(methodMatches('a.B/*', '/a.B/C')).toBe(true);
    expect(methodMatches('a.B/*', '/a.BC/C')).toBe(false);
    expect(methodMatches('a.B/C', '/a.B/C')).toBe(true);
    expect(methodMatches('a.B/C', '/a.B/CD')).toBe(false);
  });

  it('reads the key from either header', () => {
    expect(presentedApiKey('Bearer abc', undefined)).toBe('abc');
    expect(presentedApiKey(undefined, ' xyz ')).toBe('xyz');
    expect(presentedApiKey('Basic abc', undefined)).toBeUndefined();
  });

  it.each([
    ['not json', /not valid JSON/],
    ['{"clients": []}', /at least one client/],
    ['{"clients": [{"name": "x", "key": "short", "methods": ["*"]}]}', /clients\[0\]: needs "keySha256"/],
    ['{"clients": [{"name": "x", "key": "long-enough-key-123", "methods": ["bad pattern"]}]}', /clients\[0\]\.methods/],
  ])('rejects a bad file %p with a message naming the problem', (text, message) => {
    expect(() => parseApiKeys(text)).toThrow(message);
  });
});
