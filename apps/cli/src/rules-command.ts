import { readFile } from 'node:fs/promises';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { MerchandisingRuleSchema, MerchandisingService, RuleSurface, type ItemMatch, type MerchandisingRule } from '@shopsense/contracts';
import { CliError, connect, explainCallError, type ConnectionOptions } from './connection';
import type { Output } from './query-commands';
import { table } from './table';

const USAGE = 'usage: shopsense rules [list] | show <id> | create <rule.json> | update <rule.json> --version n | delete <id> [--version n]';

function matchText(match: ItemMatch | undefined): string {
  const m = match?.match;
  switch (m?.case) {
    case 'itemId':
      return `item ${m.value}`;
    case 'brand':
      return `brand ${m.value}`;
    case 'categoryPath':
      return `category ${m.value}`;
    case 'attribute':
      return `${m.value.name}=${m.value.value}`;
    default:
      return '?';
  }
}

/** "pin demo-5 at 0", "boost brand acme ×1.5", "hide condition=used". */
export function actionText(rule: MerchandisingRule): string {
  const a = rule.action;
  switch (a.case) {
    case 'pin':
      return `pin ${a.value.itemId} at ${a.value.position}`;
    case 'boost':
    case 'bury':
      return `${a.case} ${matchText(a.value.match)} ${a.value.multiply !== undefined ? `×${a.value.multiply}` : `${a.value.add! >= 0 ? '+' : ''}${a.value.add}`}`;
    case 'hide':
      return `hide ${matchText(a.value)}`;
    default:
      return '?';
  }
}

/** "queries running shoes*; category Sports; search", or "everywhere". */
export function conditionText(rule: MerchandisingRule): string {
  const c = rule.condition;
  const parts = [
    c?.queryPatterns.length ? `queries ${c.queryPatterns.join(', ')}` : '',
    c?.categoryPaths.length ? `category ${c.categoryPaths.join(', ')}` : '',
    c?.channels.length ? `channel ${c.channels.join(', ')}` : '',
    c?.surfaces.length ? c.surfaces.map((s) => RuleSurface[s]?.replace('RULE_SURFACE_', '').toLowerCase()).join(', ') : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'everywhere';
}

function scheduleText(rule: MerchandisingRule): string {
  const day = (t: MerchandisingRule['createdAt']) => (t ? timestampDate(t).toISOString().slice(0, 16).replace('T', ' ') : '');
  const { startsAt, endsAt } = rule.schedule ?? {};
  if (!startsAt && !endsAt) return 'always';
  return `${startsAt ? `from ${day(startsAt)}` : ''}${startsAt && endsAt ? ' ' : ''}${endsAt ? `until ${day(endsAt)}` : ''}`;
}

async function readRule(file: string | undefined): Promise<MerchandisingRule> {
  if (!file) throw new CliError(USAGE);
  const text = await readFile(file, 'utf8').catch((e: Error) => Promise.reject(new CliError(`cannot read ${file}: ${e.message}`)));
  try {
    return fromJson(MerchandisingRuleSchema, JSON.parse(text) as JsonValue);
  } catch (error) {
    throw new CliError(`${file} is not a MerchandisingRule in protobuf JSON: ${(error as Error).message}`);
  }
}

/** `shopsense rules …`: the merchandising rules of MerchandisingService. */
export async function rules(args: readonly string[], version: bigint | undefined, connection: ConnectionOptions, out: Output): Promise<void> {
  const [action = 'list', target] = args;
  const client = connect(MerchandisingService, connection);
  const call = <T>(work: Promise<T>) => work.catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
  const printRule = (rule: MerchandisingRule, verb: string) =>
    out.write(out.json ? JSON.stringify(toJson(MerchandisingRuleSchema, rule)) : `${verb} rule ${rule.ruleId} (version ${rule.version}${rule.active ? ', active now' : ', not active now'}): ${actionText(rule)}; ${conditionText(rule)}; ${scheduleText(rule)}`);
  try {
    switch (action) {
      case 'list': {
        const { rules: list } = await call(client.listRules({}));
        if (out.json) return out.write(JSON.stringify(list.map((r) => toJson(MerchandisingRuleSchema, r))));
        const rows = list.map((r) => [r.ruleId, String(r.version), r.active ? 'yes' : 'no', actionText(r), conditionText(r), scheduleText(r), r.description]);
        return out.write(rows.length ? table(['rule', 'version', 'active', 'does', 'where', 'when', 'description'], rows) : 'no merchandising rules yet: `npx shopsense rules create <rule.json>` adds one');
      }
      case 'show':
        if (!target) throw new CliError(USAGE);
        return printRule((await call(client.getRule({ ruleId: target }))).rule!, 'the');
      case 'create':
        return printRule((await call(client.createRule({ rule: await readRule(target) }))).rule!, 'created');
      case 'update':
        if (version === undefined) throw new CliError('rules update needs --version n: the version you read (`npx shopsense rules show <id>`)');
        return printRule((await call(client.updateRule({ rule: await readRule(target), expectedVersion: version }))).rule!, 'updated');
      case 'delete': {
        if (!target) throw new CliError(USAGE);
        const deleted = await call(client.deleteRule({ ruleId: target, expectedVersion: version ?? 0n }));
        return out.write(out.json ? JSON.stringify({ ruleId: deleted.ruleId, version: String(deleted.version) }) : `deleted rule ${deleted.ruleId} (it was at version ${deleted.version})`);
      }
      default:
        throw new CliError(USAGE);
    }
  } finally {
    client.close();
  }
}
