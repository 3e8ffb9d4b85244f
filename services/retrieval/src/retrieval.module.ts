import { Inject, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { CatalogService, RetrievalService } from '@shopsense/contracts';
import type { EventBus } from '@shopsense/events';
import type { Logger, ServiceMetrics } from '@shopsense/observability';
import { GRPC_SERVICES, registration } from '@shopsense/service-runtime';
import type { RetrievalConfig } from './config/retrieval.config';
import { catalogGrpcImplementation } from './grpc/catalog.grpc-controller';
import { retrievalGrpcImplementation } from './grpc/retrieval.grpc-controller';
import { RetrievalRuntime } from './infrastructure/retrieval-runtime';

const RUNTIME = Symbol('RETRIEVAL_RUNTIME');

/** Closes the stores (flushing the index to disk) when the service stops. */
class RuntimeCloser implements OnModuleDestroy {
  constructor(@Inject(RUNTIME) private readonly runtime: RetrievalRuntime) {}

  async onModuleDestroy(): Promise<void> {
    await this.runtime.close();
  }
}

/** Parts the caller provides (the standalone runner); the caller closes them. */
export interface RetrievalOverrides {
  eventBus?: EventBus;
  /** Publish every stored product as a catalog change on start (a bus without history). */
  announceStoredCatalog?: boolean;
}

/** Retrieval: the catalog, its dense and lexical indexes, and candidate generation. */
@Module({})
export class RetrievalModule {
  static forRoot(config: RetrievalConfig, runtime: { logger: Logger; metrics: ServiceMetrics }, options: RetrievalOverrides = {}): DynamicModule {
    return {
      module: RetrievalModule,
      providers: [
        { provide: RUNTIME, useFactory: () => RetrievalRuntime.start(config, runtime, options) },
        RuntimeCloser,
        {
          provide: GRPC_SERVICES,
          useFactory: (r: RetrievalRuntime) => [
            registration(RetrievalService, retrievalGrpcImplementation(r.retrieval, () => r.modelVersion)),
            registration(CatalogService, catalogGrpcImplementation(r.indexer, r.catalog, r.vectors)),
          ],
          inject: [RUNTIME],
        },
      ],
    };
  }
}
