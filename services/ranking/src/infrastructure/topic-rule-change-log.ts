import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { MerchandisingRuleChange, MerchandisingRuleChangeSchema } from '@shopsense/contracts';
import { deadLetter, done, type EventBus, type Subscription, type TopicDefinition } from '@shopsense/events';
import type { Logger } from '@shopsense/observability';
import type { RuleChangeLog } from '../application/merchandising-rules';

/**
 * Cluster mode's rule store: the compacted topic shopsense.merchandising.v1, key = rule id.
 * Every replica reads the whole topic from the beginning under a consumer group of its own (each
 * needs every rule, and a restart must replay them because they live in memory), so a change made
 * through any replica reaches all of them. A change is durable once the brokers acknowledge it.
 * `start` returns only once every record the topic held when it began is applied: a replica that
 * starts serves, and checks versions, with every rule already there.
 */
export class TopicRuleChangeLog implements RuleChangeLog {
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly topic: TopicDefinition<typeof MerchandisingRuleChangeSchema>,
    private readonly logger: Logger,
    /** How long `start` waits to read the topic to its end before the service fails to start. */
    private readonly catchUpMs = 120_000,
  ) {}

  async start(apply: (change: MerchandisingRuleChange) => string | undefined): Promise<void> {
    const groupId = `ranking-merchandising.${hostname()}.${randomUUID()}`;
    const ends = await this.bus.endOffsets(this.topic.name);
    const next = new Map<number, bigint>();
    let caughtUp!: () => void;
    const reachedEnd = new Promise<void>((resolve) => (caughtUp = resolve));
    const check = () => {
      if ([...ends].every(([partition, end]) => (next.get(partition) ?? 0n) >= end)) caughtUp();
    };
    this.subscription = await this.bus.subscribe(this.topic, {
      groupId,
      fromBeginning: true,
      handler: async (change, meta) => {
        const problem = apply(change);
        // Records the bus dead-letters before the handler (undecodable bytes) do not move this:
        // one as the topic's last record holds the start until catchUpMs. Only ranking writes here.
        next.set(meta.partition, BigInt(meta.offset) + 1n);
        check();
        return problem ? deadLetter(problem) : done;
      },
    });
    check();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`could not read the merchandising rules topic ${this.topic.name} to its end within ${this.catchUpMs / 1000} s`)), this.catchUpMs);
    });
    try {
      await Promise.race([reachedEnd, timedOut]);
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.logger.info({ topic: this.topic.name, group: groupId, records: String([...ends.values()].reduce((a, b) => a + b, 0n)) }, 'following the merchandising rules: every stored rule applied');
  }

  async append(change: MerchandisingRuleChange): Promise<void> {
    await this.bus.publish(this.topic, [{ key: change.ruleId, message: change }]);
  }

  async close(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }
}
