import { Module, type DynamicModule } from '@nestjs/common';
import { RankingService, ExperimentService } from '@shopsense/contracts';
import { unimplementedService } from '@shopsense/grpc';
import { GRPC_SERVICES, registration, SERVICE_CONFIG } from '@shopsense/service-runtime';
import type { RankingConfig } from './config/ranking.config';

/** Ranking: the public Search/Recommend/Rank API and A/B experiments. */
@Module({})
export class RankingModule {
  static forRoot(config: RankingConfig): DynamicModule {
    return {
      module: RankingModule,
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        {
          provide: GRPC_SERVICES,
          // Answers UNIMPLEMENTED until the service's own issue lands.
          useValue: [
            registration(RankingService, unimplementedService(RankingService)),
            registration(ExperimentService, unimplementedService(ExperimentService)),
          ],
        },
      ],
    };
  }
}
