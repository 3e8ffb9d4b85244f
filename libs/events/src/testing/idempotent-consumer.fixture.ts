/**
 * A consumer process for the crash test: it applies each event to Redis idempotently (one Lua
 * script records the event id and increments a counter, so a redelivered event changes
 * nothing) and, with BLOCK_AFTER_APPLY=1, stops right after its handler's work, before the
 * offset commit, to be killed there with SIGKILL.
 */
import Redis from 'ioredis';
import { createLogger } from '@shopsense/observability';
import { done } from '../event-bus';
import { KafkaEventBus } from '../kafka-event-bus';
import { Topics } from '../topic-registry';

const APPLY_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('INCR', KEYS[2])
end
return -1`;

async function main(): Promise<void> {
  const { TOPIC, GROUP, PREFIX, KAFKA_BROKERS, REDIS_URL, BLOCK_AFTER_APPLY } = process.env;
  const redis = new Redis(REDIS_URL!);
  const bus = new KafkaEventBus({ brokers: KAFKA_BROKERS!.split(','), clientId: 'crash-test' }, createLogger('crash-test', 'warn'));
  await bus.subscribe(
    { ...Topics.behaviorEvents, name: TOPIC! },
    {
      groupId: GROUP!,
      handler: async (event) => {
        const result = (await redis.eval(APPLY_ONCE, 2, `${PREFIX}:seen:${event.eventId}`, `${PREFIX}:count:${event.userId}`, '3600')) as number;
        process.stdout.write(`${JSON.stringify({ handled: event.eventId, firstTime: result !== -1 })}\n`);
        if (BLOCK_AFTER_APPLY === '1') await new Promise(() => undefined); // never commits
        return done;
      },
    },
  );
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`fixture failed: ${String(error)}\n`);
  process.exit(1);
});
