/**
 * The Helm chart against the code it deploys. Run by `npm run helm:check`
 * (scripts/helm/check.sh), which renders helm/shopsense with each values set of
 * helm/shopsense/ci/, validates every object against the Kubernetes schemas and writes them to
 * $SHOPSENSE_HELM_RENDERED/<set>.json before starting jest.
 *
 * - Each Deployment sets exactly the variables its service's configuration schema accepts
 *   (read from services/<name>/src/config/<name>.config.ts at test time), every required one
 *   included, and every value it sets literally passes the schema: a renamed or new setting
 *   cannot drift silently.
 * - The topic Job agrees with its own schema and with deploy/local/topics.conf.
 * - Invalid values files (helm/shopsense/ci/invalid/) fail with the message they promise.
 * - NetworkPolicies allow the paths of the architecture and nothing else; pods are locked down.
 * - The exec health probe (scripts/grpc-healthcheck.js) works against a real service in each TLS
 *   mode.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { checkGrpcSecurity, type z } from '@shopsense/config';
import { parseApiKeys } from '@shopsense/grpc';
import { createTlsFixture, startServiceProcess, type StartedServiceProcess } from '@shopsense/testing';
import { kafkaTopicsJobConfigSchema, parseTopicsFile } from '../../scripts/helm/create-kafka-topics';

const ROOT = resolve(__dirname, '../..');
const CHART = join(ROOT, 'helm/shopsense');
const RENDERED = process.env['SHOPSENSE_HELM_RENDERED'];
const HELM = process.env['HELM_BIN'];
/** The values sets that must match the services' schemas exactly (check.sh renders them). */
const VALUE_SETS = ['default', 'gpu', 'external'] as const;
/** Variables read by Node.js itself, not by the application's schemas. */
const RUNTIME_VARIABLES = new Set(['NODE_EXTRA_CA_CERTS']);
const RELEASE = 'shopsense';

type Json = Record<string, any>;
interface Rendered {
  source: string;
  object: Json;
}
type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

function load(set: string): Rendered[] {
  if (!RENDERED) throw new Error('SHOPSENSE_HELM_RENDERED is not set: run `npm run helm:check` (scripts/helm/check.sh), which renders the chart and then runs these tests');
  const file = join(RENDERED, `${set}.json`);
  if (!existsSync(file)) throw new Error(`${file} is missing: scripts/helm/check.sh renders it before running these tests`);
  return JSON.parse(readFileSync(file, 'utf8')) as Rendered[];
}

const byKind = (objects: Rendered[], kind: string) => objects.map((r) => r.object).filter((o) => o['kind'] === kind);
const component = (o: Json): string => o['metadata']['labels']['app.kubernetes.io/component'];
const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The service's configuration schema, imported from its source at test time. */
function serviceSchema(service: string): EnvSchema {
  const file = join(ROOT, 'services', service, 'src/config', `${service}.config.ts`);
  const exportName = `${camel(service)}ConfigSchema`;
  const schema = (require(file) as Record<string, unknown>)[exportName] as EnvSchema | undefined;
  if (!schema?.shape) throw new Error(`${file} does not export ${exportName}`);
  return schema;
}

/** Keys without a default: the schema rejects them when unset. */
const requiredKeys = (schema: EnvSchema) => Object.keys(schema.shape).filter((key) => !schema.shape[key]!.safeParse(undefined).success);

interface EnvEntry {
  name: string;
  /** The literal value when the manifest shows it (value, or a ConfigMap of the same render). */
  value?: string;
  secret?: { name: string; key: string };
}

function resolveEnv(container: Json, objects: Rendered[], where: string): EnvEntry[] {
  if (container['envFrom']) throw new Error(`${where}: uses envFrom; list each variable under env so that its name is visible`);
  const configMaps = byKind(objects, 'ConfigMap');
  const secrets = byKind(objects, 'Secret');
  return (container['env'] ?? []).map((e: Json): EnvEntry => {
    if (typeof e['value'] === 'string') return { name: e['name'], value: e['value'] };
    const cm = e['valueFrom']?.['configMapKeyRef'];
    if (cm) {
      const map = configMaps.find((m) => m['metadata']['name'] === cm['name']);
      if (!map) throw new Error(`${where}: ${e['name']} refers to ConfigMap ${cm['name']}, which the chart does not render`);
      const value = map['data']?.[cm['key']];
      if (value === undefined) throw new Error(`${where}: ${e['name']} refers to key ${cm['key']} missing from ConfigMap ${cm['name']}`);
      return { name: e['name'], value };
    }
    const ref = e['valueFrom']?.['secretKeyRef'];
    if (ref) {
      const secret = secrets.find((s) => s['metadata']['name'] === ref['name']);
      if (secret && secret['data']?.[ref['key']] === undefined && secret['stringData']?.[ref['key']] === undefined) {
        throw new Error(`${where}: ${e['name']} refers to key ${ref['key']} missing from Secret ${ref['name']}`);
      }
      return { name: e['name'], secret: { name: ref['name'], key: ref['key'] } };
    }
    throw new Error(`${where}: ${e['name']} has neither a value nor a ConfigMap/Secret reference`);
  });
}

/** What is wrong between a container's environment and a schema (empty when they agree). */
function envProblems(env: EnvEntry[], schema: EnvSchema): string[] {
  const problems: string[] = [];
  const keys = new Set(Object.keys(schema.shape));
  const names = env.map((e) => e.name);
  for (const name of names.filter((n, i) => names.indexOf(n) !== i)) problems.push(`${name} is set twice`);
  for (const entry of env) {
    if (!keys.has(entry.name) && !RUNTIME_VARIABLES.has(entry.name)) {
      problems.push(`${entry.name} is set, but the configuration schema has no such variable (renamed or removed?)`);
    } else if (entry.value !== undefined && keys.has(entry.name)) {
      const parsed = schema.shape[entry.name]!.safeParse(entry.value === '' ? undefined : entry.value);
      if (!parsed.success) problems.push(`${entry.name}='${entry.value}' is rejected by the schema: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
  }
  for (const key of requiredKeys(schema)) if (!names.includes(key)) problems.push(`${key} is required by the configuration schema but the chart does not set it`);
  return problems;
}

/** Candidate stand-ins for a value that comes from a Secret. */
const SECRET_STAND_INS = ['redis://secret.invalid:6379/0', 'https://secret.invalid', 'secret.invalid:9092', 'stand-in-for-a-secret-0123456789abcdef0123456789'];

function standIn(schema: EnvSchema, key: string, env: EnvEntry[]): string | undefined {
  const entry = env.find((e) => e.name === key);
  if (!entry) return undefined;
  if (entry.value !== undefined) return entry.value === '' ? undefined : entry.value;
  return SECRET_STAND_INS.find((candidate) => schema.shape[key]!.safeParse(candidate).success) ?? SECRET_STAND_INS[SECRET_STAND_INS.length - 1];
}

/** Every key a pod mounts from a ConfigMap or Secret the chart renders must exist in it. */
function mountedKeyProblems(pod: Json, objects: Rendered[]): string[] {
  const problems: string[] = [];
  const refs: { kind: string; name: string; keys: string[] }[] = [];
  for (const volume of pod['volumes'] ?? []) {
    if (volume['secret']) refs.push({ kind: 'Secret', name: volume['secret']['secretName'], keys: (volume['secret']['items'] ?? []).map((i: Json) => i['key']) });
    if (volume['configMap']) refs.push({ kind: 'ConfigMap', name: volume['configMap']['name'], keys: (volume['configMap']['items'] ?? []).map((i: Json) => i['key']) });
    for (const source of volume['projected']?.['sources'] ?? []) {
      if (source['secret']) refs.push({ kind: 'Secret', name: source['secret']['name'], keys: (source['secret']['items'] ?? []).map((i: Json) => i['key']) });
    }
  }
  for (const ref of refs) {
    const object = byKind(objects, ref.kind).find((o) => o['metadata']['name'] === ref.name);
    if (!object) continue; // an existing Secret of the cluster's, named in the values
    for (const key of ref.keys) if (object['data']?.[key] === undefined) problems.push(`the pod mounts key ${key} of ${ref.kind} ${ref.name}, which the chart renders without it`);
  }
  return problems;
}

function mountsCover(container: Json, path: string): boolean {
  return (container['volumeMounts'] ?? []).some((m: Json) => path === m['mountPath'] || path.startsWith(`${String(m['mountPath']).replace(/\/$/, '')}/`));
}

describe.each(VALUE_SETS)('values set %s', (set) => {
  const objects = load(set);
  const deployments = byKind(objects, 'Deployment');

  it('renders one Deployment per service of the repository', () => {
    const services = readdirSync(join(ROOT, 'services')).filter((d) => existsSync(join(ROOT, 'services', d, 'src/main.ts')));
    expect(deployments.map(component).sort()).toEqual([...services].sort());
  });

  it.each(deployments.map((d) => [component(d), d] as const))('%s: the environment is exactly what its configuration schema accepts', (service, deployment) => {
    const schema = serviceSchema(service);
    const container = deployment['spec']['template']['spec']['containers'].find((c: Json) => c['name'] === service);
    expect(container).toBeDefined();
    const where = `${set}: Deployment ${deployment['metadata']['name']}`;
    const env = resolveEnv(container, objects, where);
    const problems = envProblems(env, schema);

    // Rules across variables (the schema's refinements, checkGrpcSecurity), on the values the
    // pod would get; values from Secrets are stood in for by placeholders their field accepts.
    if (problems.length === 0) {
      const input = Object.fromEntries(Object.keys(schema.shape).map((key) => [key, standIn(schema, key, env)]));
      const parsed = schema.safeParse(input);
      if (!parsed.success) for (const issue of parsed.error.issues) problems.push(`at boot: ${String(issue.path[0] ?? '')} ${issue.message}`);
      else for (const p of checkGrpcSecurity(parsed.data as Parameters<typeof checkGrpcSecurity>[0])) problems.push(`at boot: ${p.variable} ${p.problem}`);
    }
    problems.push(...mountedKeyProblems(deployment['spec']['template']['spec'], objects));
    // Every file or folder a variable names is on a mounted volume.
    for (const e of env) {
      if (e.value && /_(FILE|DIR|CERTS)$/.test(e.name) && !mountsCover(container, e.value)) problems.push(`${e.name}=${e.value} is not on any mounted volume`);
    }
    if (problems.length > 0) {
      throw new Error(`${where} and services/${service}/src/config/${service}.config.ts disagree:\n  - ${problems.join('\n  - ')}\n(fix the chart: services.${service}.config in helm/shopsense/values.yaml, or helm/shopsense/templates/_env.tpl and _connections.tpl)`);
    }
  });

  it('the Kafka topics Job sets exactly what scripts/helm/create-kafka-topics.ts accepts', () => {
    const [job] = byKind(objects, 'Job');
    expect(job).toBeDefined();
    const container = job!['spec']['template']['spec']['containers'][0];
    const env = resolveEnv(container, objects, `${set}: Job`);
    expect(envProblems(env, kafkaTopicsJobConfigSchema as unknown as EnvSchema)).toEqual([]);
    const topicsFile = env.find((e) => e.name === 'KAFKA_TOPICS_FILE')!.value!;
    expect(mountsCover(container, topicsFile)).toBe(true);
  });

  it('every pod runs as non-root, read-only, without privilege escalation, with resource limits', () => {
    const templates = [...deployments, ...byKind(objects, 'Job')].map((o) => [o['metadata']['name'], o['spec']['template']['spec']] as const);
    for (const [name, pod] of templates) {
      expect([name, pod['securityContext']['runAsNonRoot']]).toEqual([name, true]);
      expect([name, pod['automountServiceAccountToken']]).toEqual([name, false]);
      for (const c of [...(pod['initContainers'] ?? []), ...pod['containers']]) {
        const sc = c['securityContext'] ?? {};
        expect([name, c['name'], sc['readOnlyRootFilesystem'], sc['allowPrivilegeEscalation'], sc['runAsNonRoot'], sc['capabilities']?.['drop']]).toEqual([name, c['name'], true, false, true, ['ALL']]);
        expect([name, c['name'], typeof c['resources']?.['limits']?.['memory']]).toEqual([name, c['name'], 'string']);
      }
    }
  });

  it('every service has gRPC startup, readiness and liveness probes that work with its TLS mode', () => {
    for (const d of deployments) {
      const c = d['spec']['template']['spec']['containers'][0];
      const tlsMode = resolveEnv(c, objects, 'probe').find((e) => e.name === 'GRPC_TLS_MODE')?.value;
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const p = c[probe];
        if (tlsMode === 'insecure') expect(p['grpc']).toEqual({ port: c['ports'].find((port: Json) => port['name'] === 'grpc')['containerPort'] });
        else expect(p['exec']['command'].slice(0, 2)).toEqual(['node', '/app/scripts/grpc-healthcheck.js']);
      }
    }
  });

  it('each service has a Service, a PodDisruptionBudget and an autoscaler', () => {
    const names = deployments.map((d) => d['metadata']['name']).sort();
    for (const kind of ['Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ConfigMap', 'NetworkPolicy']) {
      const have = byKind(objects, kind).map((o) => o['metadata']['name']);
      expect([kind, names.filter((n) => !have.includes(n))]).toEqual([kind, []]);
    }
  });

  it('the NetworkPolicies allow only the paths of the architecture', () => {
    // caller -> callee over gRPC (docs/architecture.md)
    const calls: Record<string, string[]> = {
      ranking: ['query-understanding', 'embedding', 'retrieval'],
      'query-understanding': ['embedding'],
      embedding: [],
      retrieval: ['embedding'],
      feedback: ['retrieval'],
    };
    const publicApis = ['ranking', 'feedback', 'retrieval'];
    for (const policy of byKind(objects, 'NetworkPolicy').filter((p) => component(p) !== 'kafka-topics')) {
      const service = component(policy);
      const ingressFrom = (policy['spec']['ingress'] as Json[])
        .flatMap((rule) => rule['from'] ?? [])
        .map((peer: Json) => peer['podSelector']?.['matchLabels']?.['app.kubernetes.io/component'])
        .filter(Boolean)
        .sort();
      const callers = Object.keys(calls).filter((caller) => calls[caller]!.includes(service)).sort();
      expect([service, 'ingress', ingressFrom]).toEqual([service, 'ingress', callers]);
      const grpcRules = (policy['spec']['ingress'] as Json[]).filter((rule) => rule['ports'].some((p: Json) => p['port'] === 'grpc'));
      const openToClients = grpcRules.some((rule) => !rule['from'] || (rule['from'] as Json[]).some((peer) => !peer['podSelector']?.['matchLabels']?.['app.kubernetes.io/component']));
      expect([service, 'open to clients', openToClients]).toEqual([service, 'open to clients', publicApis.includes(service)]);
      const egressTo = (policy['spec']['egress'] as Json[])
        .flatMap((rule) => rule['to'] ?? [])
        .map((peer: Json) => peer['podSelector']?.['matchLabels']?.['app.kubernetes.io/component'])
        .filter((c: string | undefined) => c !== undefined)
        .sort();
      expect([service, 'egress', egressTo]).toEqual([service, 'egress', [...calls[service]!].sort()]);
    }
  });

  it('the topics the Job creates are those of deploy/local/topics.conf', () => {
    const topicsMap = byKind(objects, 'ConfigMap').find((m) => component(m) === 'kafka-topics')!;
    const chart = parseTopicsFile(topicsMap['data']['topics.conf']).map(({ name, partitions, cleanupPolicy }) => ({ name, partitions, cleanupPolicy }));
    const local = parseTopicsFile(readFileSync(join(ROOT, 'deploy/local/topics.conf'), 'utf8')).map(({ name, partitions, cleanupPolicy }) => ({ name, partitions, cleanupPolicy }));
    expect(chart).toEqual(local);
  });

  it('an API-keys file the chart writes is one the services accept', () => {
    for (const secret of byKind(objects, 'Secret').filter((s) => s['data']?.['api-keys.json'])) {
      const text = Buffer.from(secret['data']['api-keys.json'], 'base64').toString('utf8');
      expect(parseApiKeys(text).length).toBeGreaterThan(0);
    }
  });
});

describe('the GPU profile', () => {
  const objects = load('gpu');
  const embedding = byKind(objects, 'Deployment').find((d) => component(d) === 'embedding')!;
  const pod = embedding['spec']['template']['spec'];
  const container = pod['containers'][0];

  it('runs the CUDA image on GPU nodes with a GPU limit and EMBEDDING_DEVICE=cuda', () => {
    expect(container['image']).toMatch(/-cuda$/);
    expect(container['resources']['limits']['nvidia.com/gpu']).toBe(1);
    expect(pod['tolerations']).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu' })]));
    expect(pod['nodeSelector']).toEqual(expect.objectContaining({ 'nvidia.com/gpu.present': 'true' }));
    const env = resolveEnv(container, objects, 'gpu');
    expect(env.find((e) => e.name === 'EMBEDDING_DEVICE')?.value).toBe('cuda');
  });

  it('leaves the other services on the CPU image', () => {
    for (const d of byKind(objects, 'Deployment').filter((x) => component(x) !== 'embedding')) {
      expect(d['spec']['template']['spec']['containers'][0]['image']).not.toMatch(/-cuda$/);
      expect(d['spec']['template']['spec']['nodeSelector']).toBeUndefined();
    }
  });
});

describe('the connections preview (ranking wired as the architecture plans)', () => {
  const objects = load('connections-preview');
  const envOf = (service: string) => {
    const d = byKind(objects, 'Deployment').find((x) => component(x) === service)!;
    return resolveEnv(d['spec']['template']['spec']['containers'][0], objects, `connections-preview: ${service}`);
  };
  const services = byKind(objects, 'Service');

  it('ranking gets Kafka, Redis and its three upstreams', () => {
    const names = envOf('ranking').map((e) => e.name);
    const expected = ['KAFKA_BROKERS', 'REDIS_URL', 'QUERY_UNDERSTANDING_ADDR', 'EMBEDDING_ADDR', 'RETRIEVAL_ADDR', 'UPSTREAM_API_KEY', 'UPSTREAM_TLS_MODE', 'UPSTREAM_TLS_CERT_FILE'];
    expect(expected.filter((n) => !names.includes(n))).toEqual([]);
  });

  it('secrets come from Secrets, and every address names a rendered Service and its gRPC port', () => {
    for (const service of ['ranking', 'query-understanding', 'retrieval', 'feedback']) {
      for (const e of envOf(service)) {
        if (/(PASSWORD|API_KEY|REDIS_URL|USERNAME)$/.test(e.name)) expect([service, e.name, e.secret !== undefined]).toEqual([service, e.name, true]);
        if (e.name.endsWith('_ADDR')) {
          const [host, port] = e.value!.split(':');
          const target = services.find((s) => s['metadata']['name'] === host);
          expect([e.name, target?.['spec']['ports'].find((p: Json) => p['name'] === 'grpc')['port']]).toEqual([e.name, Number(port)]);
        }
      }
    }
  });
});

describe('the Grafana dashboard', () => {
  const dashboardFile = join(CHART, 'dashboards/shopsense.json');
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as Json;
  /** Metrics the dashboard may show before the code exports them (its panel says so). */
  const PLANNED = new Set(['kafka_consumer_lag']);

  it('queries only metrics the services export', () => {
    const sources = ['libs', 'services']
      .flatMap((dir) => execFileSync('grep', ['-rhoE', "name: '[a-z_]+'|stat\\('[a-z_]+'", join(ROOT, dir), '--include=*.ts'], { encoding: 'utf8' }).split('\n'))
      .map((line) => /'([a-z_]+)'/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name));
    const exported = new Set(sources);
    const exprs = (dashboard['panels'] as Json[]).flatMap((p) => (p['targets'] ?? []).map((t: Json) => String(t['expr'])));
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:grpc|shopsense|embedding|feedback|kafka|ranking)_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''))));
    expect([...used].filter((m) => !exported.has(m) && !PLANNED.has(m))).toEqual([]);
    expect(used.has('grpc_server_handling_seconds') && used.has('shopsense_degraded_responses_total') && used.has('embedding_model_info')).toBe(true);
  });

  it('is what the chart ships in its ConfigMap', () => {
    const map = byKind(load('external'), 'ConfigMap').find((m) => m['metadata']['name'].endsWith('-dashboard'));
    expect(JSON.parse(map!['data']['shopsense.json'])).toEqual(dashboard);
  });
});

describe('invalid values', () => {
  const dir = join(CHART, 'ci/invalid');
  const cases = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const expected = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]!.trim());
      return [file, expected] as const;
    });

  it('there are cases, each with an expected message', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const [file, expected] of cases) expect([file, expected.length > 0]).toEqual([file, true]);
  });

  it.each(cases)('%s fails at install with a clear message', (file, expected) => {
    if (!HELM) throw new Error('HELM_BIN is not set: run `npm run helm:check` (scripts/helm/check.sh)');
    let failed = false;
    let output = '';
    try {
      execFileSync(HELM, ['template', RELEASE, CHART, '--namespace', RELEASE, '-f', join(dir, file)], { stdio: 'pipe' });
    } catch (error) {
      failed = true;
      output = String((error as { stderr?: Buffer }).stderr ?? '');
    }
    expect(failed).toBe(true);
    for (const text of expected) expect(output).toContain(text);
  });
});

describe('scripts/grpc-healthcheck.js (the exec probe)', () => {
  const execFileAsync = promisify(execFile);
  const probe = async (env: NodeJS.ProcessEnv, args: string[] = []) => {
    try {
      const { stdout } = await execFileAsync(process.execPath, [join(ROOT, 'scripts/grpc-healthcheck.js'), ...args], { env: { PATH: process.env['PATH'], ...env } });
      return { code: 0, stdout };
    } catch (error) {
      const e = error as { code?: number; stdout?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '' };
    }
  };
  const tls = createTlsFixture();
  const modes = [
    ['insecure', { GRPC_TLS_MODE: 'insecure' }, []],
    ['tls', { GRPC_TLS_MODE: 'tls', GRPC_TLS_CERT_FILE: tls.serverCert, GRPC_TLS_KEY_FILE: tls.serverKey }, []],
    ['mtls', { GRPC_TLS_MODE: 'mtls', GRPC_TLS_CERT_FILE: tls.serverCert, GRPC_TLS_KEY_FILE: tls.serverKey, GRPC_TLS_CA_FILE: tls.caCert }, ['--cert', tls.clientCert, '--key', tls.clientKey]],
  ] as const;

  it.each(modes)('answers SERVING over %s (health needs no API key) and fails for an unknown service or the wrong TLS mode', async (_mode, env, args) => {
    const keys = join(tls.dir, 'api-keys.json');
    execFileSync('bash', ['-c', `printf '%s' '{"clients":[{"name":"ops","key":"0123456789abcdef0123","methods":["*"]}]}' > ${keys}`]);
    let service: StartedServiceProcess | undefined;
    try {
      // Query understanding boots on its own (in-process catalog bus, no upstreams).
      service = await startServiceProcess('services/query-understanding/src/main.ts', { ...env, QU_EVENT_BUS: 'in-process', GRPC_AUTH_MODE: 'api-key', GRPC_API_KEYS_FILE: keys });
      const ok = await probe({ ...env, GRPC_PORT: String(service.grpcPort) }, [...args]);
      expect(ok).toEqual({ code: 0, stdout: expect.stringContaining('SERVING') });
      const unknown = await probe({ ...env, GRPC_PORT: String(service.grpcPort) }, [...args, '--service', 'no.such.Service']);
      expect(unknown.code).toBe(1);
      if (env.GRPC_TLS_MODE !== 'insecure') {
        const plaintext = await probe({ GRPC_TLS_MODE: 'insecure', GRPC_PORT: String(service.grpcPort) });
        expect(plaintext.code).toBe(1);
      }
    } finally {
      service?.child.kill('SIGTERM');
      await service?.exited;
    }
  });

  it('fails when nothing listens', async () => {
    const result = await probe({ GRPC_TLS_MODE: 'insecure', GRPC_PORT: '1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('failed');
  });
});
