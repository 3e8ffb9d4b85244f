import type { DescMessage } from '@bufbuild/protobuf';
import { BehaviorEventSchema, CatalogChangeSchema, MerchandisingRuleChangeSchema, TrainingExampleSchema, UserForgottenSchema } from '@shopsense/contracts';

/** A Kafka topic and the protobuf message its records carry. */
export interface TopicDefinition<S extends DescMessage = DescMessage> {
  name: string;
  schema: S;
  /** What the record key is, for producers and for partitioning. */
  key: string;
  /** Compacted topics keep the latest record per key (catalog, forget requests, merchandising rules). */
  compacted: boolean;
}

function topic<S extends DescMessage>(definition: TopicDefinition<S>): TopicDefinition<S> {
  return definition;
}

/** Every topic of the brief, one place: services and scripts name topics only through this. */
export const Topics = {
  behaviorEvents: topic({ name: 'shopsense.events.v1', schema: BehaviorEventSchema, key: 'user id', compacted: false }),
  catalogChanges: topic({ name: 'shopsense.catalog.v1', schema: CatalogChangeSchema, key: 'product id', compacted: true }),
  trainingExamples: topic({ name: 'shopsense.training.v1', schema: TrainingExampleSchema, key: 'request id', compacted: false }),
  usersForgotten: topic({ name: 'shopsense.users.forget.v1', schema: UserForgottenSchema, key: 'pseudonymous user id', compacted: true }),
  merchandisingRules: topic({ name: 'shopsense.merchandising.v1', schema: MerchandisingRuleChangeSchema, key: 'rule id', compacted: true }),
} as const;

/**
 * The dead-letter topic carries records of any topic unchanged (raw bytes), with the reason in
 * headers, so it has no payload type of its own.
 */
export const DEAD_LETTER_TOPIC = 'shopsense.events.dlq.v1';

export const ALL_TOPIC_NAMES: readonly string[] = [...Object.values(Topics).map((t) => t.name), DEAD_LETTER_TOPIC];
