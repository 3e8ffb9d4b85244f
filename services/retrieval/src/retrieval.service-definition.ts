import { ConfigError } from '@shopsense/config';
import type { ServiceDefinition } from '@shopsense/service-runtime';
import { retrievalConfigProblems, retrievalConfigSchema } from './config/retrieval.config';
import { RetrievalModule, type RetrievalOverrides } from './retrieval.module';

export const retrievalService: ServiceDefinition<typeof retrievalConfigSchema> = {
  name: 'retrieval',
  configSchema: retrievalConfigSchema,
  module: (config, runtime) => {
    const problems = retrievalConfigProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
    return RetrievalModule.forRoot(config, runtime);
  },
};

/**
 * The same service with the standalone runner's shared in-process bus. That bus keeps no history
 * across restarts, so the runner also asks for the stored catalog to be announced on start:
 * query understanding rebuilds its brand and category dictionary from those changes.
 */
export function retrievalServiceWith(overrides: RetrievalOverrides): ServiceDefinition<typeof retrievalConfigSchema> {
  return {
    ...retrievalService,
    module: (config, runtime) => {
      const problems = retrievalConfigProblems(config);
      if (problems.length > 0) throw new ConfigError(problems);
      return RetrievalModule.forRoot(config, runtime, overrides);
    },
  };
}
