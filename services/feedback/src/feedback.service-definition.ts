import type { ServiceDefinition } from '@shopsense/service-runtime';
import { feedbackConfigSchema } from './config/feedback.config';
import { FeedbackModule, type FeedbackOverrides } from './feedback.module';

export const feedbackService: ServiceDefinition<typeof feedbackConfigSchema> = {
  name: 'feedback',
  configSchema: feedbackConfigSchema,
  module: (config, runtime) => FeedbackModule.forRoot(config, runtime),
};

/**
 * The same service with parts provided by the caller: the standalone runner passes the in-process
 * event bus and the user-state store it shares with ranking.
 */
export function feedbackServiceWith(overrides: FeedbackOverrides): ServiceDefinition<typeof feedbackConfigSchema> {
  return { ...feedbackService, module: (config, runtime) => FeedbackModule.forRoot(config, runtime, overrides) };
}
