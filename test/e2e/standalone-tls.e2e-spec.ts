/**
 * Standalone with TLS and API keys (issue 19): the public port speaks TLS with the configured
 * certificate and asks for a key; the CLI reaches it with --tls --ca and --api-key and not
 * without; /metrics stays on loopback; beyond loopback it refuses to start without TLS.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTlsFixture } from '@shopsense/testing';
import { npmStart, ROOT, runCli, signalGroup, type StartedStandalone } from './support/standalone-process';

const work = mkdtempSync(join(tmpdir(), 'standalone-tls-'));
const tls = createTlsFixture();
const KEY = 'standalone-tls-test-key-0123456789';
const keysFile = join(work, 'api-keys.json');
writeFileSync(keysFile, JSON.stringify({ clients: [{ name: 'test', key: KEY, methods: ['*'] }] }));

const ENV = {
  ...process.env,
  SHOPSENSE_DATA_DIR: join(work, 'data'),
  SHOPSENSE_CATALOG_FILE: 'none',
  SHOPSENSE_PORT: '0',
  SHOPSENSE_METRICS_PORT: '0',
  SHOPSENSE_TLS_CERT_FILE: tls.serverCert,
  SHOPSENSE_TLS_KEY_FILE: tls.serverKey,
  SHOPSENSE_API_KEYS_FILE: keysFile,
};

const cli = (port: number, args: string[]) => runCli([...args, '--addr', `127.0.0.1:${port}`, '--timeout', '20000'], ENV);

describe('standalone over TLS with API keys', () => {
  let running: StartedStandalone | undefined;
  beforeAll(async () => {
    running = await npmStart(ENV);
  }, 600_000);
  afterAll(async () => {
    if (running && running.child.exitCode === null) await signalGroup(running, 'SIGINT');
  });

  it('serves the CLI over TLS with a key, and refuses plaintext and keyless calls', async () => {
    const port = running!.port;
    expect(running!.stderr()).toContain('(gRPC over TLS;');
    const status = await cli(port, ['status', '--tls', '--ca', tls.caCert, '--api-key', KEY]);
    expect(status.stderr).toBe('');
    expect(status.stdout).toMatch(/services {2}7 serving/);
    expect((await cli(port, ['search', 'mug', '--tls', '--ca', tls.caCert, '--api-key', KEY])).code).toBe(0);

    const plaintext = await cli(port, ['search', 'mug', '--api-key', KEY]);
    expect(plaintext.code).toBe(2);
    const keyless = await cli(port, ['search', 'mug', '--tls', '--ca', tls.caCert]);
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toMatch(/pass a key with --api-key/);
  });

  it('keeps /metrics on loopback', async () => {
    const metrics = await fetch(`http://127.0.0.1:${running!.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    // Through another address of this machine the port is closed (when the machine has one).
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    if (external) await expect(fetch(`http://${external}:${running!.metricsPort}/metrics`)).rejects.toThrow();
  });

  it('refuses to listen beyond loopback without TLS, naming the variable', async () => {
    const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...ENV, SHOPSENSE_HOST: '0.0.0.0', SHOPSENSE_TLS_CERT_FILE: '', SHOPSENSE_TLS_KEY_FILE: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).not.toBe(0);
    expect(stderr).toContain('SHOPSENSE_TLS_CERT_FILE: is required when SHOPSENSE_HOST=0.0.0.0');
  }, 120_000);
});
