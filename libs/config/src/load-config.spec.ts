import { z } from 'zod';
import { ConfigError } from './config-error';
import { checkGrpcSecurity, grpcServerConfigShape } from './common-config';
import { env } from './env';
import { describeConfig, loadConfig } from './load-config';

const schema = z.object({
  PORT: env.int({ min: 1, max: 65535 }),
  MODE: env.oneOf(['a', 'b'] as const, 'a'),
  BROKERS: env.list(),
  ENABLED: env.bool(false),
  REDIS_URL: env.url(['redis', 'rediss'], 'redis://127.0.0.1:6379'),
  HMAC_KEY: env.string(),
});

function problemsOf(source: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(schema, source);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`);
  }
  return [];
}

describe('loadConfig', () => {
  it('parses typed values and applies defaults', () => {
    const config = loadConfig(schema, { PORT: '50051', BROKERS: 'a:1, b:2', HMAC_KEY: 's3cret' });
    expect(config).toEqual({ PORT: 50051, MODE: 'a', BROKERS: ['a:1', 'b:2'], ENABLED: false, REDIS_URL: 'redis://127.0.0.1:6379', HMAC_KEY: 's3cret' });
  });

  it('names every missing or malformed variable', () => {
    const problems = problemsOf({ PORT: 'abc', MODE: 'c', ENABLED: 'yes', REDIS_URL: 'http://x', HMAC_KEY: 'k' });
    expect(problems.some((p) => p.startsWith('PORT:') && p.includes("got 'abc'"))).toBe(true);
    expect(problems.some((p) => p.startsWith('MODE:') && p.includes('must be one of a, b'))).toBe(true);
    expect(problems.some((p) => p.startsWith('BROKERS:') && p.includes('required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('ENABLED:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('REDIS_URL:'))).toBe(true);
  });

  it('treats an empty string as unset', () => {
    expect(problemsOf({ PORT: '', BROKERS: 'a', HMAC_KEY: 'k' })).toEqual(['PORT: is required but not set']);
  });

  it('never prints a secret value', () => {
    const error = (() => {
      try {
        loadConfig(z.object({ HMAC_KEY: z.string().min(20) }), { HMAC_KEY: 'short-secret' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toContain('HMAC_KEY');
    expect(error.message).not.toContain('short-secret');
    expect(describeConfig({ HMAC_KEY: 'x', PORT: 1 })).toEqual({ HMAC_KEY: '<redacted>', PORT: 1 });
  });

  it('tells secrets from settings that merely mention tokens', () => {
    expect(describeConfig({ EMBEDDING_MAX_BATCH_TOKENS: 16384, SESSION_TOKEN: 'abc', QDRANT_API_KEY: 'k', GRPC_API_KEYS_FILE: '/run/keys.json' })).toEqual({
      EMBEDDING_MAX_BATCH_TOKENS: 16384,
      SESSION_TOKEN: '<redacted>',
      QDRANT_API_KEY: '<redacted>',
      GRPC_API_KEYS_FILE: '/run/keys.json',
    });
  });

  it('rejects an out-of-range port', () => {
    expect(problemsOf({ PORT: '70000', BROKERS: 'a', HMAC_KEY: 'k' })[0]).toMatch(/^PORT: must be <= 65535/);
  });
});

describe('grpc security rules', () => {
  const base = loadConfig(z.object(grpcServerConfigShape), { GRPC_PORT: '0' });

  it('defaults to TLS and API keys, which need their files', () => {
    expect(base.GRPC_TLS_MODE).toBe('tls');
    expect(base.GRPC_AUTH_MODE).toBe('api-key');
    expect(checkGrpcSecurity(base).map((p) => p.variable)).toEqual(['GRPC_TLS_CERT_FILE', 'GRPC_TLS_KEY_FILE', 'GRPC_API_KEYS_FILE']);
  });

  it('is satisfied by an explicit opt-out', () => {
    expect(checkGrpcSecurity({ ...base, GRPC_TLS_MODE: 'insecure', GRPC_AUTH_MODE: 'none' })).toEqual([]);
  });

  it('asks for a CA in mutual TLS', () => {
    const problems = checkGrpcSecurity({ ...base, GRPC_TLS_MODE: 'mtls', GRPC_TLS_CERT_FILE: 'c', GRPC_TLS_KEY_FILE: 'k', GRPC_AUTH_MODE: 'none' });
    expect(problems.map((p) => p.variable)).toEqual(['GRPC_TLS_CA_FILE']);
  });
});
