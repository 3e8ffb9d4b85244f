import { BehaviorEventSchema } from '@shopsense/contracts';
import { deadLetter, done, retry, type EventBus, type Subscription, type TopicDefinition } from '@shopsense/events';
import type { EventIntake } from '../application/event-intake.service';

/**
 * Standalone mode: the in-process bus delivers decoded events one at a time (it dead-letters
 * undecodable records to its file itself); the intake applies each against the in-memory store.
 */
export class InProcessIntake {
  private subscription?: Subscription;
  private running = false;

  constructor(
    private readonly bus: EventBus,
    private readonly topic: TopicDefinition<typeof BehaviorEventSchema>,
    private readonly groupId: string,
    private readonly intake: EventIntake,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    this.subscription = await this.bus.subscribe(this.topic, {
      groupId: this.groupId,
      handler: async (event, meta) => {
        const verdict = await this.intake.processEvent(event, meta.timestamp.getTime(), () => this.running);
        if (verdict === undefined) return retry('stopping');
        return verdict.ok ? done : deadLetter(verdict.reason);
      },
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.subscription?.stop();
  }
}
