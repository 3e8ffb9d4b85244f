import type { ServiceDefinition } from '@shopsense/service-runtime';
import { rankingConfigSchema } from './config/ranking.config';
import { RankingModule } from './ranking.module';

export const rankingService: ServiceDefinition<typeof rankingConfigSchema> = {
  name: 'ranking',
  configSchema: rankingConfigSchema,
  module: (config) => RankingModule.forRoot(config),
};
