import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const WORKSPACE_ROOT = resolve(__dirname, '../../..');

/**
 * KAFKA_BROKERS and REDIS_URL for benchmarks and evaluations: from the environment when set,
 * else from deploy/local/up.sh, which starts the local Kafka and Redis when they are not running
 * (installing what is missing) and is quick when they are. So `npm run bench:<name>` works on a
 * fresh checkout as written, with no `npm run infra:up` first.
 */
export function localInfrastructure(): { brokers: string[]; redisUrl: string } {
  let brokers = process.env['KAFKA_BROKERS'];
  let redisUrl = process.env['REDIS_URL'];
  if (!brokers || !redisUrl) {
    process.stderr.write('starting the local Kafka and Redis if they are not running (deploy/local/up.sh)…\n');
    const exports = execFileSync('bash', [resolve(WORKSPACE_ROOT, 'deploy/local/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const variables = new Map<string, string>();
    for (const line of exports.split('\n')) {
      const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) variables.set(match[1]!, match[2]!);
    }
    brokers ??= variables.get('KAFKA_BROKERS');
    redisUrl ??= variables.get('REDIS_URL');
  }
  if (!brokers || !redisUrl) throw new Error('deploy/local/up.sh printed no KAFKA_BROKERS or REDIS_URL');
  return { brokers: brokers.split(','), redisUrl };
}
