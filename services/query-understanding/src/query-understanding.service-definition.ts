import type { ServiceDefinition } from '@shopsense/service-runtime';
import { queryUnderstandingConfigSchema } from './config/query-understanding.config';
import { QueryUnderstandingModule } from './query-understanding.module';

export const queryUnderstandingService: ServiceDefinition<typeof queryUnderstandingConfigSchema> = {
  name: 'query-understanding',
  configSchema: queryUnderstandingConfigSchema,
  module: (config) => QueryUnderstandingModule.forRoot(config),
};
