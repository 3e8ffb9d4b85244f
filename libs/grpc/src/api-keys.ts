import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * Per-client API keys, loaded from a secret file (mounted from a Kubernetes Secret):
 *
 *   { "clients": [
 *       { "name": "storefront", "keySha256": "<hex sha-256 of the key>",
 *         "methods": ["shopsense.ranking.v1.RankingService/*"] },
 *       { "name": "ops", "key": "<the key itself>", "methods": ["*"] } ] }
 *
 * A method pattern is `*` (everything), `package.Service/*` or `package.Service/Method`.
 * Keys are compared by their SHA-256 in constant time, so a file may hold hashes only.
 */
export interface ApiKeyClient {
  name: string;
  keySha256: Buffer;
  methods: readonly string[];
}

export type AuthDecision =
  | { allowed: true; client: string }
  | { allowed: false; reason: 'unauthenticated' | 'permission-denied'; message: string };

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function parseApiKeys(text: string, source = 'API keys file'): ApiKeyClient[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const clients = (parsed as { clients?: unknown })?.clients;
  if (!Array.isArray(clients) || clients.length === 0) throw new Error(`${source}: expected {"clients": [...]} with at least one client`);
  return clients.map((entry: unknown, index: number) => {
    const where = `${source}: clients[${index}]`;
    const c = entry as { name?: unknown; key?: unknown; keySha256?: unknown; methods?: unknown };
    if (typeof c.name !== 'string' || c.name.length === 0) throw new Error(`${where}.name: required`);
    let keySha256: Buffer;
    if (typeof c.keySha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(c.keySha256)) keySha256 = Buffer.from(c.keySha256, 'hex');
    else if (typeof c.key === 'string' && c.key.length >= 16) keySha256 = sha256(c.key);
    else throw new Error(`${where}: needs "keySha256" (64 hex chars) or "key" (at least 16 characters)`);
    if (!Array.isArray(c.methods) || c.methods.length === 0 || !c.methods.every((m) => typeof m === 'string' && isValidPattern(m))) {
      throw new Error(`${where}.methods: a non-empty list of '*', 'package.Service/*' or 'package.Service/Method'`);
    }
    return { name: c.name, keySha256, methods: c.methods as string[] };
  });
}

export function loadApiKeys(path: string): ApiKeyClient[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read API keys file '${path}': ${(error as Error).message}`);
  }
  return parseApiKeys(text, `API keys file '${path}'`);
}

function isValidPattern(pattern: string): boolean {
  return pattern === '*' || /^[A-Za-z_][\w.]*\/(\*|[A-Za-z_]\w*)$/.test(pattern);
}

/** `path` is the gRPC path `/package.Service/Method`. */
export function methodMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  const fullMethod = path.startsWith('/') ? path.slice(1) : path;
  if (pattern.endsWith('/*')) return fullMethod.startsWith(pattern.slice(0, -1));
  return fullMethod === pattern;
}

/** Methods that never need a key: Kubernetes probes must reach health without credentials. */
const PUBLIC_METHOD_PREFIXES = ['/grpc.health.v1.Health/'];

export class ApiKeyAuthorizer {
  constructor(private readonly clients: readonly ApiKeyClient[]) {}

  decide(path: string, presentedKey: string | undefined): AuthDecision {
    if (PUBLIC_METHOD_PREFIXES.some((prefix) => path.startsWith(prefix))) return { allowed: true, client: 'public' };
    if (!presentedKey) {
      return { allowed: false, reason: 'unauthenticated', message: 'missing API key: send "authorization: Bearer <key>" or "x-api-key: <key>" metadata' };
    }
    const digest = sha256(presentedKey);
    const client = this.clients.find((c) => timingSafeEqual(c.keySha256, digest));
    if (!client) return { allowed: false, reason: 'unauthenticated', message: 'invalid API key' };
    if (!client.methods.some((pattern) => methodMatches(pattern, path))) {
      return { allowed: false, reason: 'permission-denied', message: `client '${client.name}' may not call ${path}` };
    }
    return { allowed: true, client: client.name };
  }
}

/** The key a caller presented, from `authorization: Bearer <key>` or `x-api-key`. */
export function presentedApiKey(authorization: string | undefined, xApiKey: string | undefined): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1];
  }
  return xApiKey?.trim() || undefined;
}
