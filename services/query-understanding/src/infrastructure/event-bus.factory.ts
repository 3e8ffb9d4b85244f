import { InProcessEventBus, KafkaEventBus, type EventBus } from '@shopsense/events';
import type { Logger } from '@shopsense/observability';
import type { QueryUnderstandingConfig } from '../config/query-understanding.config';

/**
 * The event bus chosen by QU_EVENT_BUS: Kafka in cluster mode; in-process otherwise (a bus of its
 * own, which only makes sense for a service started alone: the standalone runner passes its
 * shared bus to the module instead).
 */
export function createEventBus(config: QueryUnderstandingConfig, logger: Logger): EventBus {
  if (config.QU_EVENT_BUS === 'in-process') return new InProcessEventBus({ deadLetterFile: config.QU_EVENT_BUS_DEAD_LETTER_FILE, logger });
  // The configuration schema requires brokers with QU_EVENT_BUS=kafka; this guards direct callers.
  if (!config.KAFKA_BROKERS) throw new Error('KAFKA_BROKERS is required when QU_EVENT_BUS=kafka');
  return new KafkaEventBus(
    {
      brokers: config.KAFKA_BROKERS,
      clientId: config.KAFKA_CLIENT_ID,
      ssl: config.KAFKA_SSL,
      ...(config.KAFKA_SASL_MECHANISM ? { sasl: { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME ?? '', password: config.KAFKA_SASL_PASSWORD ?? '' } } : {}),
    },
    logger,
  );
}
