#!/usr/bin/env node
// Validates rendered Helm output against the Kubernetes API schemas, then writes the objects
// as JSON for test/helm/chart.helm-spec.ts.
//
//   node scripts/helm/validate-manifests.mjs <rendered.yaml> <objects.json>
//
// Schemas: the `kubernetes-models` package (JSON schemas of the Kubernetes OpenAPI spec,
// compiled to ajv validators) and `@kubernetes-models/prometheus-operator` for the
// ServiceMonitor CRD. Each object is checked for
//   - types, required fields, enums and formats (the package's validator);
//   - unknown fields, which the Kubernetes schemas do not forbid but the API server drops
//     (a misspelt `readinessProbe` key would otherwise pass silently): the object is handed to
//     the validator through a Proxy that records which keys the validator read; a key it never
//     looked at is not in the schema. Maps (labels, data, resources) are enumerated by the
//     validator and so are never reported;
//   - a kind and apiVersion that have a schema at all (nothing is skipped silently);
//   - duplicate objects (same kind, namespace and name).
// Exit status 1 with one line per problem, naming the template it came from.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: validate-manifests.mjs <rendered.yaml> <objects.json>\n');
  process.exit(2);
}

/** apiVersion -> the module that exports a model class per kind. */
function modelModule(apiVersion) {
  if (apiVersion === 'monitoring.coreos.com/v1') return '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
  if (apiVersion === 'v1') return 'kubernetes-models/v1';
  if (/^[a-z0-9.-]+\/v[0-9a-z]+$/.test(apiVersion)) return `kubernetes-models/${apiVersion}`;
  return undefined;
}

/** Wraps a JSON value so that every key the validator reads, and every object whose keys it enumerates, is recorded. */
function readTracker() {
  const records = new Map();
  const proxies = new WeakMap();
  const wrap = (value, path) => {
    if (value === null || typeof value !== 'object') return value;
    const cached = proxies.get(value);
    if (cached) return cached;
    const record = { path, read: new Set(), enumerated: false };
    records.set(value, record);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const result = Reflect.get(target, key, receiver);
        if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(target, key)) return result;
        record.read.add(key);
        return wrap(result, `${path}.${key}`);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  const unknownFields = () => {
    const out = [];
    for (const [object, record] of records) {
      if (Array.isArray(object) || record.enumerated) continue;
      for (const key of Object.keys(object)) if (!record.read.has(key)) out.push(`${record.path}.${key}`);
    }
    return out;
  };
  return { wrap, unknownFields };
}

const text = readFileSync(input, 'utf8');
const problems = [];
const objects = [];
const seen = new Set();
const modules = new Map();

for (const doc of parseAllDocuments(text)) {
  if (doc.errors.length > 0) {
    problems.push(`YAML error: ${doc.errors.map((e) => e.message).join('; ')}`);
    continue;
  }
  const object = doc.toJS();
  if (object === null || object === undefined) continue;
  const source = /Source: (\S+)/.exec(`${doc.commentBefore ?? ''}\n${doc.contents?.commentBefore ?? ''}`)?.[1] ?? '(unknown template)';
  const { apiVersion, kind } = object;
  const name = object.metadata?.name;
  const where = `${source}: ${kind ?? '(no kind)'} ${name ?? '(no name)'}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof name !== 'string') {
    problems.push(`${where}: apiVersion, kind and metadata.name are required`);
    continue;
  }
  const id = `${kind}/${object.metadata.namespace ?? ''}/${name}`;
  if (seen.has(id)) problems.push(`${where}: rendered twice`);
  seen.add(id);
  objects.push({ source, object });

  const specifier = modelModule(apiVersion);
  if (!specifier) {
    problems.push(`${where}: no schema known for apiVersion ${apiVersion}`);
    continue;
  }
  let module = modules.get(specifier);
  if (!module) {
    try {
      module = await import(specifier);
    } catch (error) {
      problems.push(`${where}: no schema for apiVersion ${apiVersion} (${error.code ?? error.message})`);
      continue;
    }
    modules.set(specifier, module);
  }
  const Model = module[kind];
  if (typeof Model !== 'function' || Model.kind !== kind || Model.apiVersion !== apiVersion) {
    problems.push(`${where}: no schema for kind ${kind} in ${apiVersion}`);
    continue;
  }
  const tracker = readTracker();
  try {
    Model.prototype.validate.call(tracker.wrap(object, kind));
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
    continue;
  }
  for (const field of tracker.unknownFields()) problems.push(`${where}: unknown field ${field} (not in the ${apiVersion} ${kind} schema)`);
}

writeFileSync(output, JSON.stringify(objects, null, 1));
if (problems.length > 0) {
  process.stderr.write(`${input}: ${problems.length} invalid object(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
const kinds = [...new Set(objects.map((o) => o.object.kind))].sort();
process.stdout.write(`${input}: ${objects.length} objects valid (${kinds.join(', ')})\n`);
