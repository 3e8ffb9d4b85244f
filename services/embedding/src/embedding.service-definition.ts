import type { ServiceDefinition } from '@shopsense/service-runtime';
import { embeddingConfigSchema } from './config/embedding.config';
import { EmbeddingModule } from './embedding.module';

export const embeddingService: ServiceDefinition<typeof embeddingConfigSchema> = {
  name: 'embedding',
  configSchema: embeddingConfigSchema,
  module: (config, runtime) => EmbeddingModule.forRoot(config, runtime),
};
