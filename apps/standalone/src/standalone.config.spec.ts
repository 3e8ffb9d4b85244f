import { loadConfig } from '@shopsense/config';
import { publicTls, standaloneConfigSchema } from './standalone.config';

const problems = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(standaloneConfigSchema, env);
    return [];
  } catch (error) {
    return (error as { problems: { variable: string; problem: string }[] }).problems.map((p) => `${p.variable}: ${p.problem}`);
  }
};

describe('standalone configuration: TLS and keys', () => {
  it('serves loopback in plaintext without keys, and /metrics on loopback by default', () => {
    const config = loadConfig(standaloneConfigSchema, {});
    expect(publicTls(config)).toEqual({ mode: 'insecure' });
    expect(config.SHOPSENSE_METRICS_HOST).toBe('127.0.0.1');
  });

  it('refuses to listen beyond loopback without API keys and TLS, naming both', () => {
    expect(problems({ SHOPSENSE_HOST: '0.0.0.0' })).toEqual([
      expect.stringMatching(/^SHOPSENSE_API_KEYS_FILE: is required when SHOPSENSE_HOST=0\.0\.0\.0/),
      expect.stringMatching(/^SHOPSENSE_TLS_CERT_FILE: is required when SHOPSENSE_HOST=0\.0\.0\.0 \(beyond loopback API keys and data must not travel in clear\)/),
    ]);
    expect(problems({ SHOPSENSE_HOST: '0.0.0.0', SHOPSENSE_API_KEYS_FILE: '/k.json', SHOPSENSE_TLS_CERT_FILE: '/c.pem', SHOPSENSE_TLS_KEY_FILE: '/k.pem' })).toEqual([]);
  });

  it('wants a certificate and its key together, and a client CA only with them', () => {
    expect(problems({ SHOPSENSE_TLS_CERT_FILE: '/c.pem' })).toEqual(['SHOPSENSE_TLS_KEY_FILE: is required when SHOPSENSE_TLS_CERT_FILE is set']);
    expect(problems({ SHOPSENSE_TLS_KEY_FILE: '/k.pem' })).toEqual(['SHOPSENSE_TLS_CERT_FILE: is required when SHOPSENSE_TLS_KEY_FILE is set']);
    expect(problems({ SHOPSENSE_TLS_CLIENT_CA_FILE: '/ca.pem' })).toEqual(['SHOPSENSE_TLS_CERT_FILE: is required when SHOPSENSE_TLS_CLIENT_CA_FILE is set (mutual TLS is TLS first)']);
  });

  it('turns the files into TLS or mutual TLS for the public server', () => {
    const tls = { SHOPSENSE_TLS_CERT_FILE: '/c.pem', SHOPSENSE_TLS_KEY_FILE: '/k.pem' };
    expect(publicTls(loadConfig(standaloneConfigSchema, tls))).toEqual({ mode: 'tls', certFile: '/c.pem', keyFile: '/k.pem', caFile: undefined });
    expect(publicTls(loadConfig(standaloneConfigSchema, { ...tls, SHOPSENSE_TLS_CLIENT_CA_FILE: '/ca.pem' }))).toEqual({ mode: 'mtls', certFile: '/c.pem', keyFile: '/k.pem', caFile: '/ca.pem' });
  });
});
