import { ConfigError } from '@shopsense/config';
import type { ServiceDefinition } from '@shopsense/service-runtime';
import { retrievalConfigProblems, retrievalConfigSchema } from './config/retrieval.config';
import { RetrievalModule } from './retrieval.module';

export const retrievalService: ServiceDefinition<typeof retrievalConfigSchema> = {
  name: 'retrieval',
  configSchema: retrievalConfigSchema,
  module: (config, runtime) => {
    const problems = retrievalConfigProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
    return RetrievalModule.forRoot(config, runtime);
  },
};
