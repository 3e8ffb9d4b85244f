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
 */
export class TopicRuleChangeLog implements RuleChangeLog {
  private subscription: Subscription | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly topic: TopicDefinition<typeof MerchandisingRuleChangeSchema>,
    private readonly logger: Logger,
  ) {}

  async start(apply: (change: MerchandisingRuleChange) => string | undefined): Promise<void> {
    const groupId = `ranking-merchandising.${hostname()}.${randomUUID()}`;
    this.subscription = await this.bus.subscribe(this.topic, {
      groupId,
      fromBeginning: true,
      handler: async (change) => {
        const problem = apply(change);
        return problem ? deadLetter(problem) : done;
      },
    });
    this.logger.info({ topic: this.topic.name, group: groupId }, 'following the merchandising rules');
  }

  async append(change: MerchandisingRuleChange): Promise<void> {
    await this.bus.publish(this.topic, [{ key: change.ruleId, message: change }]);
  }

  async close(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }
}
