import { Inject, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { AnalyticsService, ExperimentService, MerchandisingService, RankingService } from '@shopsense/contracts';
import type { EventBus } from '@shopsense/events';
import type { Logger, ServiceMetrics } from '@shopsense/observability';
import { GRPC_SERVICES, registration } from '@shopsense/service-runtime';
import type { UserStateStore } from '@shopsense/user-state';
import type { RankingConfig } from './config/ranking.config';
import { analyticsGrpcImplementation } from './grpc/analytics.grpc-controller';
import { merchandisingGrpcImplementation } from './grpc/merchandising.grpc-controller';
import { experimentGrpcImplementation, rankingGrpcImplementation } from './grpc/ranking.grpc-controller';
import { RankingRuntime } from './infrastructure/ranking-runtime';

const RUNTIME = Symbol('RANKING_RUNTIME');

/** Closes the clients, the user-state connection and the subscriptions when the service stops. */
class RuntimeCloser implements OnModuleDestroy {
  constructor(@Inject(RUNTIME) private readonly runtime: RankingRuntime) {}

  async onModuleDestroy(): Promise<void> {
    await this.runtime.close();
  }
}

/** Ranking: the public Search/Recommend/Rank API, A/B experiments, merchandising rules and search analytics. */
@Module({})
export class RankingModule {
  static forRoot(config: RankingConfig, runtime: { logger: Logger; metrics: ServiceMetrics }, options: { eventBus?: EventBus; userState?: UserStateStore } = {}): DynamicModule {
    return {
      module: RankingModule,
      providers: [
        { provide: RUNTIME, useFactory: () => RankingRuntime.start(config, runtime, options) },
        RuntimeCloser,
        {
          provide: GRPC_SERVICES,
          useFactory: (r: RankingRuntime) => [
            registration(RankingService, rankingGrpcImplementation(r.ranking)),
            registration(ExperimentService, experimentGrpcImplementation(() => r.experiments, r.trainer ? (name) => r.trainer!.variantCounts(name) : undefined)),
            registration(MerchandisingService, merchandisingGrpcImplementation(r.merchandising)),
            registration(AnalyticsService, analyticsGrpcImplementation(r.analytics)),
          ],
          inject: [RUNTIME],
        },
      ],
    };
  }
}
