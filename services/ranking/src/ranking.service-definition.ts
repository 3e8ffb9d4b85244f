import { ConfigError } from '@shopsense/config';
import type { EventBus } from '@shopsense/events';
import type { ServiceDefinition } from '@shopsense/service-runtime';
import type { UserStateStore } from '@shopsense/user-state';
import { rankingConfigProblems, rankingConfigSchema } from './config/ranking.config';
import { RankingModule } from './ranking.module';

export const rankingService: ServiceDefinition<typeof rankingConfigSchema> = {
  name: 'ranking',
  configSchema: rankingConfigSchema,
  module: (config, runtime) => {
    const problems = rankingConfigProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
    return RankingModule.forRoot(config, runtime);
  },
};

/**
 * The same service with parts provided by the caller: the standalone runner passes its shared
 * in-process event bus (training examples) and user-state store; tests do the same.
 */
export function rankingServiceWith(overrides: { eventBus?: EventBus; userState?: UserStateStore }): ServiceDefinition<typeof rankingConfigSchema> {
  return {
    ...rankingService,
    module: (config, runtime) => {
      const problems = rankingConfigProblems(config);
      if (problems.length > 0) throw new ConfigError(problems);
      return RankingModule.forRoot(config, runtime, overrides);
    },
  };
}
