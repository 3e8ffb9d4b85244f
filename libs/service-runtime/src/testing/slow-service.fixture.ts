/**
 * A service process whose Embed call takes SLOW_MS, to show that SIGTERM lets an in-flight
 * call finish before the process exits.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { EmbeddingService } from '@shopsense/contracts';
import { grpcServerConfigShape, z } from '@shopsense/config';
import { runService } from '../run-service';
import { GRPC_SERVICES, registration } from '../service-registration';

@Module({})
class SlowModule {
  static forRoot(slowMs: number): DynamicModule {
    return {
      module: SlowModule,
      providers: [
        {
          provide: GRPC_SERVICES,
          useValue: [
            registration(EmbeddingService, {
              embed: async (request) => {
                await new Promise((resolve) => setTimeout(resolve, slowMs));
                return { modelVersion: 'slow', embeddings: request.texts.map(() => ({ values: [1] })) };
              },
              getModelInfo: () => ({}),
            }),
          ],
        },
      ],
    };
  }
}

runService({
  name: 'slow-fixture',
  configSchema: z.object({ ...grpcServerConfigShape, SLOW_MS: z.string().transform(Number) }),
  module: (config) => SlowModule.forRoot(config.SLOW_MS),
});
