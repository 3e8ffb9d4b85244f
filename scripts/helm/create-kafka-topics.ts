/**
 * Creates the Kafka topics ShopSense needs, as the Helm chart's pre-install/pre-upgrade Job
 * (helm/shopsense/templates/kafka-topics-job.yaml). Idempotent:
 *  - a missing topic is created with its partitions, replication factor, cleanup.policy and
 *    any extra topic configs;
 *  - an existing topic with fewer partitions than asked is grown (never shrunk: Kafka cannot);
 *  - an existing topic whose cleanup.policy differs is an error (a compacted topic that
 *    deletes, or the reverse, loses data or keeps it forever): fix it by hand, then upgrade.
 *
 * The topic list is a file in the format of deploy/local/topics.conf, one topic a line:
 *   <name> <partitions> <cleanup.policy> [<config>=<value> ...]
 * Connection settings are the services' own KAFKA_* variables (libs/config), so TLS and SASL
 * behave the same way. Run: node -r @swc-node/register scripts/helm/create-kafka-topics.ts
 */
import { readFileSync } from 'node:fs';
import { ConfigError, env, kafkaConfigShape, loadConfig, z } from '@shopsense/config';
import { KafkaEventBus } from '@shopsense/events';
import { ConfigResourceTypes } from 'kafkajs';
import { createLogger } from '@shopsense/observability';

export const kafkaTopicsJobConfigSchema = z.object({
  ...kafkaConfigShape,
  /** The topic list (topics.conf format), mounted from the chart's ConfigMap. */
  KAFKA_TOPICS_FILE: env.string(),
  KAFKA_REPLICATION_FACTOR: env.int({ min: 1, max: 32, default: 3 }),
  /** How long to keep trying to reach the brokers before failing the Job. */
  KAFKA_TOPICS_TIMEOUT_MS: env.int({ min: 1000, max: 3_600_000, default: 120_000 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
});
export type KafkaTopicsJobConfig = z.output<typeof kafkaTopicsJobConfigSchema>;

export interface TopicSpec {
  name: string;
  partitions: number;
  cleanupPolicy: 'delete' | 'compact' | 'compact,delete';
  configs: Record<string, string>;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const POLICIES = new Set(['delete', 'compact', 'compact,delete', 'delete,compact']);

/** Parses the topics.conf format; throws with the line number on anything malformed. */
export function parseTopicsFile(text: string): TopicSpec[] {
  const topics: TopicSpec[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [name, partitions, policy, ...rest] = line.split(/\s+/);
    const where = `topics file line ${index + 1}`;
    if (!name || !TOPIC_NAME.test(name)) throw new Error(`${where}: '${name}' is not a valid topic name`);
    if (!partitions || !/^[1-9]\d*$/.test(partitions)) throw new Error(`${where}: partitions must be a positive integer, got '${partitions}'`);
    if (!policy || !POLICIES.has(policy)) throw new Error(`${where}: cleanup.policy must be delete, compact or compact,delete, got '${policy}'`);
    const configs: Record<string, string> = {};
    for (const pair of rest) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`${where}: expected <config>=<value>, got '${pair}'`);
      configs[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    if (topics.some((t) => t.name === name)) throw new Error(`${where}: topic ${name} is listed twice`);
    topics.push({ name, partitions: Number(partitions), cleanupPolicy: (policy === 'delete,compact' ? 'compact,delete' : policy) as TopicSpec['cleanupPolicy'], configs });
  });
  if (topics.length === 0) throw new Error('the topics file lists no topic');
  return topics;
}

const samePolicy = (a: string, b: string) => a.split(',').sort().join(',') === b.split(',').sort().join(',');

export async function ensureTopics(config: KafkaTopicsJobConfig, topics: TopicSpec[], log: (msg: string) => void): Promise<void> {
  const sasl =
    config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD
      ? { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME, password: config.KAFKA_SASL_PASSWORD }
      : undefined;
  if (config.KAFKA_SASL_MECHANISM && !sasl) throw new ConfigError([{ variable: 'KAFKA_SASL_USERNAME', problem: 'and KAFKA_SASL_PASSWORD are required when KAFKA_SASL_MECHANISM is set' }]);
  const logger = createLogger('kafka-topics', config.LOG_LEVEL);
  const bus = new KafkaEventBus({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, ssl: config.KAFKA_SSL, ...(sasl ? { sasl } : {}) }, logger);
  const admin = bus.client.admin();
  const deadline = Date.now() + config.KAFKA_TOPICS_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.connect();
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`cannot reach Kafka at ${config.KAFKA_BROKERS.join(',')}: ${(error as Error).message}`);
      log(`Kafka not reachable yet (attempt ${attempt}): ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * attempt)));
    }
  }
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    const present = topics.filter((t) => existing.has(t.name));

    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: config.KAFKA_REPLICATION_FACTOR,
          configEntries: [{ name: 'cleanup.policy', value: t.cleanupPolicy }, ...Object.entries(t.configs).map(([name, value]) => ({ name, value }))],
        })),
      });
      for (const t of missing) log(`created ${t.name} (partitions=${t.partitions}, replication=${config.KAFKA_REPLICATION_FACTOR}, cleanup.policy=${t.cleanupPolicy})`);
    }
    if (present.length === 0) return;

    const problems: string[] = [];
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const grow: { topic: string; count: number }[] = [];
    for (const t of present) {
      const have = metadata.topics.find((m) => m.name === t.name)?.partitions.length ?? 0;
      if (have < t.partitions) grow.push({ topic: t.name, count: t.partitions });
      else if (have > t.partitions) log(`${t.name} has ${have} partitions, more than the ${t.partitions} asked for: left as is (Kafka cannot remove partitions)`);
      else log(`${t.name} exists (partitions=${have})`);
    }
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name, configNames: ['cleanup.policy'] })),
    });
    for (const resource of described.resources) {
      const want = present.find((t) => t.name === resource.resourceName);
      if (!want) continue;
      const have = resource.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue ?? 'delete';
      if (!samePolicy(have, want.cleanupPolicy)) {
        problems.push(
          `${want.name} has cleanup.policy=${have}, the chart asks for ${want.cleanupPolicy}: change it deliberately (kafka-configs.sh --alter --entity-type topics --entity-name ${want.name} --add-config cleanup.policy=${want.cleanupPolicy}), then upgrade again`,
        );
      }
    }
    if (grow.length > 0) {
      await admin.createPartitions({ topicPartitions: grow });
      for (const g of grow) log(`grew ${g.topic} to ${g.count} partitions (keys now map to different partitions: per-key order holds only for new records)`);
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const log = (msg: string) => process.stdout.write(`kafka-topics: ${msg}\n`);
  const config = loadConfig(kafkaTopicsJobConfigSchema);
  const topics = parseTopicsFile(readFileSync(config.KAFKA_TOPICS_FILE, 'utf8'));
  await ensureTopics(config, topics, log);
  log(`all ${topics.length} topics are in place`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`kafka-topics: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(error instanceof ConfigError ? 78 : 1);
    },
  );
}
