import type { ServiceDefinition } from '@shopsense/service-runtime';
import { retrievalConfigSchema } from './config/retrieval.config';
import { RetrievalModule } from './retrieval.module';

export const retrievalService: ServiceDefinition<typeof retrievalConfigSchema> = {
  name: 'retrieval',
  configSchema: retrievalConfigSchema,
  module: (config) => RetrievalModule.forRoot(config),
};
