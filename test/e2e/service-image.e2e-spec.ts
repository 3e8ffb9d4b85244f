/**
 * The service image's application layer, without a Docker engine: the files the Dockerfile copies
 * (.dockerignore's selection), compiled by scripts/build/compile-in-place.js with the TypeScript
 * removed afterwards, as the image's build stage does; then each service started through
 * deploy/docker/entrypoint.sh exactly as a pod starts it, and the Kafka topics Job run against the
 * local broker. Nothing in the copy can compile TypeScript: a require that still pointed at a .ts
 * file, or injection metadata the compile lost, fails here.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_SERVICE_ENV } from '@shopsense/testing';

const ROOT = resolve(__dirname, '../..');
const image = mkdtempSync(join(tmpdir(), 'service-image-'));

/** What .dockerignore lets into the build context and the Dockerfile copies (tests and test helpers left out). */
function assembleImage(): void {
  const notTests = (source: string) => !/\.(spec|integration-spec|e2e-spec)\.ts$|\/node_modules(\/|$)|\/libs\/testing(\/|$)/.test(source);
  for (const path of ['package.json', 'tsconfig.base.json', 'tsconfig.json', 'libs', 'services', 'scripts/helm/create-kafka-topics.ts', 'scripts/build/compile-in-place.js', 'scripts/grpc-healthcheck.js', 'deploy/docker/entrypoint.sh']) {
    cpSync(join(ROOT, path), join(image, path), { recursive: true, filter: notTests });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(image, 'node_modules'));
  execFileSync(process.execPath, ['scripts/build/compile-in-place.js', image, 'libs', 'services', 'scripts/helm'], { cwd: image });
  execFileSync('find', ['libs', 'services', 'scripts', '-name', '*.ts', '-delete'], { cwd: image });
}

interface Started {
  child: ChildProcess;
  grpcPort: number;
  output: () => string;
  exited: Promise<number | string>;
}

/** `shopsense <command>` as the image's ENTRYPOINT runs it; resolves once the service logs SERVING. */
function entrypoint(command: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | string> } {
  const child = spawn('sh', [join(image, 'deploy/docker/entrypoint.sh'), command], { cwd: tmpdir(), env: { PATH: process.env['PATH'], HOME: process.env['HOME'], SHOPSENSE_HOME: image, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

async function startService(name: string, env: NodeJS.ProcessEnv): Promise<Started> {
  const started = entrypoint(name, { ...TEST_SERVICE_ENV, ...env });
  const line = await new Promise<string>((ready, fail) => {
    const timer = setInterval(() => {
      const serving = started.output().split('\n').find((l) => l.includes('"msg":"SERVING"'));
      if (serving) {
        clearInterval(timer);
        ready(serving);
      }
    }, 100);
    void started.exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`${name} exited (${code}) before SERVING:\n${started.output()}`));
    });
  });
  return { ...started, grpcPort: (JSON.parse(line) as { grpc_port: number }).grpc_port };
}

function hmacKeysFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'image-keys-')), 'hmac-keys.json');
  writeFileSync(file, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  return file;
}

describe('the service image, compiled (no Docker engine: the same files and commands)', () => {
  const running: Started[] = [];
  beforeAll(() => assembleImage(), 120_000);
  afterAll(async () => {
    for (const service of running) service.child.kill('SIGTERM');
    await Promise.all(running.map((s) => s.exited));
  });

  it('has a compiled entry point for every service', () => {
    for (const name of ['embedding', 'query-understanding', 'retrieval', 'ranking', 'feedback']) expect(existsSync(join(image, `services/${name}/src/main.js`))).toBe(true);
  });

  it('starts every service through the entry point and answers its health check as the probe does', async () => {
    // Each service joins `running` as it starts, so that one failing to start leaves no other behind.
    const started = async (name: string, env: NodeJS.ProcessEnv) => {
      const service = await startService(name, env);
      running.push(service);
      return service;
    };
    const embedding = await started('embedding', { EMBEDDING_MODEL_DIR: process.env['EMBEDDING_MODEL_DIR'] });
    const upstream = { UPSTREAM_TLS_MODE: 'insecure' };
    const run = randomBytes(4).toString('hex');
    await Promise.all([
      started('query-understanding', { QU_EVENT_BUS: 'in-process', EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`, EMBEDDING_TLS_MODE: 'insecure' }),
      started('retrieval', { ...upstream, EMBEDDING_ADDR: `127.0.0.1:${embedding.grpcPort}`, RETRIEVAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'image-retrieval-')) }),
      started('ranking', { ...upstream, RETRIEVAL_ADDR: '127.0.0.1:1', USER_STATE_STORE: 'memory', RANKING_DATA_DIR: mkdtempSync(join(tmpdir(), 'image-ranking-')), RANKING_HMAC_KEYS_FILE: hmacKeysFile() }),
      started('feedback', {
        ...upstream,
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'],
        REDIS_URL: process.env['REDIS_URL'],
        FEEDBACK_HMAC_KEYS_FILE: hmacKeysFile(),
        FEEDBACK_CONSUMER_GROUP: `image-feedback-${run}`,
        FEEDBACK_REDIS_KEY_PREFIX: `test:image:${run}:`,
        RETRIEVAL_ADDR: '127.0.0.1:1',
      }),
    ]);
    for (const service of running) {
      const probe = entrypoint('healthcheck', { GRPC_PORT: String(service.grpcPort), GRPC_TLS_MODE: 'insecure' });
      expect(await probe.exited).toBe(0);
      expect(probe.output()).toContain('SERVING');
    }
  }, 300_000);

  it('runs the Kafka topics Job: creates the topics of its list', async () => {
    const topic = `test.image.${randomBytes(4).toString('hex')}`;
    const list = join(mkdtempSync(join(tmpdir(), 'image-topics-')), 'topics.conf');
    writeFileSync(list, `${topic} 2 delete\n`);
    const job = entrypoint('kafka-topics', { KAFKA_BROKERS: process.env['KAFKA_BROKERS'], KAFKA_TOPICS_FILE: list, KAFKA_REPLICATION_FACTOR: '1', LOG_LEVEL: 'info' });
    expect(await job.exited).toBe(0);
    expect(job.output()).toContain(topic);
  }, 120_000);
});
