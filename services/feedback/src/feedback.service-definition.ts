import type { ServiceDefinition } from '@shopsense/service-runtime';
import { feedbackConfigSchema } from './config/feedback.config';
import { FeedbackModule } from './feedback.module';

export const feedbackService: ServiceDefinition<typeof feedbackConfigSchema> = {
  name: 'feedback',
  configSchema: feedbackConfigSchema,
  module: (config, runtime) => FeedbackModule.forRoot(config, runtime),
};
