/**
 * `npx shopsense …`: a command-line client of the public gRPC API. `npx shopsense help` lists the
 * commands; every command takes --json for scripts.
 */
import { parseArgs } from 'node:util';
import { SortOrder } from '@shopsense/contracts';
import { analytics } from './analytics-command';
import { importFile } from './catalog-command';
import { CliError, type ConnectionOptions } from './connection';
import { evaluate } from './evaluate-command';
import { backfill, forgetUser, track } from './event-commands';
import { experiments } from './experiments-command';
import { rank, recommend, search, type Output } from './query-commands';
import { rules } from './rules-command';
import { status } from './status-command';
import { suggest } from './suggest-command';

const HELP = `shopsense: command-line client of a running ShopSense (\`npm start\`)

usage: npx shopsense <command> [arguments] [options]

commands
  status                    health of every service, the model, the catalog size, events applied and the backlog
  search <query>            search the catalog (filters: --category, --brand, --min-price, --max-price, --in-stock;
                            the next page: --page <token>, printed under the results; counts over every match:
                            --facets brand,category_path,price,in_stock,attributes.color; order: --sort price-asc,
                            price-desc, newest, best-selling, rating or relevance)
  suggest <prefix>          what the search box offers while a shopper types: English, Chinese, pinyin, typos
  recommend                 recommendations (--user, --item <id> for similar items, --cart a,b, --exclude-seen)
  rank <id> <id> …          rank the given items for --user and optional --query
  import <file>             index a catalog file (JSONL or CSV) with a progress bar and a reject report
                            (--resume after an interruption, --chunk n products per call)
  track <events.jsonl>      send behaviour events (protobuf JSON, one per line)
  backfill <events.jsonl>   load history: events of any age with their own occurredAt, in time order
  forget-user <user-id>     delete a user's state; later events of the user are dropped
  experiments [name]        list experiments, or one experiment's results
  analytics                 search analytics over a period (--from, --to as YYYY-MM-DD, UTC; default the last
                            7 days): top queries, queries with no results or no clicks, click-through, conversion
  rules [list]              merchandising rules: list, show <id>, create <rule.json>, update <rule.json> --version n,
                            delete <id> [--version n] (a rule file is a MerchandisingRule in protobuf JSON)
  evaluate <name>           run an evaluation on the shared datasets and print its figures

options
  --addr host:port          server (default $SHOPSENSE_ADDR or 127.0.0.1:50051)
  --api-key key             API key (default $SHOPSENSE_API_KEY)
  --tls, --ca file          call over TLS
  --timeout ms              per-call time limit (default 10000)
  --user id, --limit n, --explain, --json
  --impressions             search/recommend: also track the shown list as an impression of --user
                            (experiments count exposures from impressions; a storefront sends them)
`;

const DEFAULT_ADDR = process.env['SHOPSENSE_ADDR'] ?? '127.0.0.1:50051';

const SORT_ORDERS: Record<string, SortOrder> = {
  relevance: SortOrder.RELEVANCE,
  'price-asc': SortOrder.PRICE_ASCENDING,
  'price-desc': SortOrder.PRICE_DESCENDING,
  newest: SortOrder.NEWEST,
  'best-selling': SortOrder.BEST_SELLING,
  rating: SortOrder.RATING,
};

function sortOrder(name: string | undefined): SortOrder {
  if (name === undefined) return SortOrder.UNSPECIFIED;
  const order = SORT_ORDERS[name];
  if (order === undefined) throw new CliError(`--sort must be one of ${Object.keys(SORT_ORDERS).join(', ')} (got ${name})`);
  return order;
}

/**
 * grpc-js gives the TLS handshake the target's host as server name even when it is an IP address
 * (`--addr 127.0.0.1:50051 --tls`), and Node prints a deprecation warning for that (DEP0123) on
 * every such call. The certificate is still checked against the address; only that line goes.
 */
function silenceIpServerNameWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((...args: unknown[]) => {
    const [, second, third] = args;
    const code = typeof second === 'object' && second !== null ? (second as { code?: string }).code : third;
    if (code !== 'DEP0123') emitWarning(...args);
  }) as typeof process.emitWarning;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      addr: { type: 'string', default: DEFAULT_ADDR },
      'api-key': { type: 'string', default: process.env['SHOPSENSE_API_KEY'] },
      tls: { type: 'boolean', default: false },
      ca: { type: 'string' },
      timeout: { type: 'string', default: '10000' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      user: { type: 'string' },
      limit: { type: 'string', default: '10' },
      explain: { type: 'boolean', default: false },
      page: { type: 'string' },
      facets: { type: 'string' },
      sort: { type: 'string' },
      category: { type: 'string' },
      brand: { type: 'string', multiple: true },
      'min-price': { type: 'string' },
      'max-price': { type: 'string' },
      'in-stock': { type: 'boolean' },
      item: { type: 'string' },
      cart: { type: 'string' },
      'exclude-seen': { type: 'boolean', default: false },
      impressions: { type: 'boolean', default: false },
      query: { type: 'string' },
      resume: { type: 'boolean', default: false },
      chunk: { type: 'string', default: '500' },
      version: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const number = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text);
    if (!text.trim() || !Number.isFinite(n) || n < min || n > max) throw new CliError(`--${name} must be a number between ${min} and ${max} (got ${text})`);
    return n;
  };
  const optionalNumber = (name: string, text: string | undefined, min: number, max: number) => (text === undefined ? undefined : number(name, text, min, max));
  const explain = values.explain ?? false;
  const connection: ConnectionOptions = { addr: values.addr ?? DEFAULT_ADDR, apiKey: values['api-key'], tls: values.tls ?? false, ca: values.ca, timeoutMs: number('timeout', values.timeout ?? '10000', 1, 3_600_000) };
  const out: Output = { json: values.json ?? false, write: (text) => process.stdout.write(`${text}\n`) };
  const filters = { category: values.category, brand: values.brand, minPrice: optionalNumber('min-price', values['min-price'], 0, 1e12), maxPrice: optionalNumber('max-price', values['max-price'], 0, 1e12), inStock: values['in-stock'] };
  const limit = number('limit', values.limit ?? '10', 1, 1000);

  const impressions = values.impressions ?? false;
  if (impressions && !values.user) throw new CliError('--impressions needs --user (an impression is something a shopper saw)');

  switch (command) {
    case 'status':
      return status(connection, out);
    case 'search':
      if (args.length === 0) throw new CliError('usage: shopsense search <query> [--user id] [--limit n] [--explain]');
      return search(args.join(' '), { ...filters, user: values.user, limit, explain, page: values.page, impressions, facets: values.facets?.split(',').map((f) => f.trim()).filter(Boolean) ?? [], sort: sortOrder(values.sort) }, connection, out);
    case 'suggest':
      if (args.length === 0) throw new CliError('usage: shopsense suggest <prefix> [--limit n]');
      return suggest(args.join(' '), limit, connection, out);
    case 'recommend':
      return recommend({ ...filters, user: values.user, item: values.item, cart: values.cart?.split(',').filter(Boolean), limit, explain, excludeSeen: values['exclude-seen'] ?? false, impressions }, connection, out);
    case 'rank':
      if (args.length === 0) throw new CliError('usage: shopsense rank <item-id> <item-id> … [--user id] [--query text]');
      return rank(args.flatMap((a) => a.split(',')).filter(Boolean), { user: values.user, query: values.query, explain }, connection, out);
    case 'import':
      return importFile(args[0] ?? '', { resume: values.resume ?? false, chunk: number('chunk', values.chunk ?? '500', 1, 10_000) }, connection, out);
    case 'track':
      if (!args[0]) throw new CliError('usage: shopsense track <events.jsonl>');
      return track(args[0], connection, out);
    case 'backfill':
      if (!args[0]) throw new CliError('usage: shopsense backfill <events.jsonl>');
      return backfill(args[0], connection, out);
    case 'forget-user':
      return forgetUser(args[0] ?? '', connection, out);
    case 'experiments':
      return experiments(args[0], connection, out);
    case 'analytics':
      return analytics({ from: values.from, to: values.to, limit }, connection, out);
    case 'rules':
      return rules(args, values.version === undefined ? undefined : BigInt(number('version', values.version, 1, Number.MAX_SAFE_INTEGER)), connection, out);
    case 'evaluate':
      return evaluate(args[0], out);
    default:
      throw new CliError(`unknown command "${command}" (npx shopsense help lists them)`);
  }
}

silenceIpServerNameWarning();
main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (message) process.stderr.write(`shopsense: ${message}\n`);
  process.exit(error instanceof CliError ? error.exitCode : 1);
});
