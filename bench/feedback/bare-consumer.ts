/**
 * The baseline of bench:feedback: a bare kafkajs consumer group reading the same topic with
 * nothing but the offsets committed after each batch (no decoding, no state). Runs in its own
 * process, like the feedback service, so both compete for the same CPUs the same way.
 *
 *   TOPIC=… GROUP=… KAFKA_BROKERS=… node -r @swc-node/register bench/feedback/bare-consumer.ts
 */
import { Kafka, logLevel } from 'kafkajs';

async function main(): Promise<void> {
  const { TOPIC, GROUP, KAFKA_BROKERS } = process.env;
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: GROUP!, sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 250, maxBytesPerPartition: 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC!, fromBeginning: true });
  let records = 0;
  await consumer.run({
    autoCommit: true,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      records += batch.messages.length;
    },
  });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    process.stdout.write(`${JSON.stringify({ records })}\n`);
    consumer.disconnect().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bare consumer failed: ${String(error)}\n`);
  process.exit(1);
});
