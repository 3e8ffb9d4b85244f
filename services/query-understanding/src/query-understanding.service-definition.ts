import type { ServiceDefinition } from '@shopsense/service-runtime';
import { queryUnderstandingConfigSchema } from './config/query-understanding.config';
import { QueryUnderstandingModule, type QueryUnderstandingOverrides } from './query-understanding.module';

export const queryUnderstandingService: ServiceDefinition<typeof queryUnderstandingConfigSchema> = {
  name: 'query-understanding',
  configSchema: queryUnderstandingConfigSchema,
  module: (config, runtime) => QueryUnderstandingModule.forRoot(config, runtime),
};

/**
 * The same service with parts provided by the caller: the standalone runner passes its shared
 * in-process event bus; tests pass a fake embedder.
 */
export function queryUnderstandingServiceWith(overrides: QueryUnderstandingOverrides): ServiceDefinition<typeof queryUnderstandingConfigSchema> {
  return { ...queryUnderstandingService, module: (config, runtime) => QueryUnderstandingModule.forRoot(config, runtime, overrides) };
}
