import { Module, type DynamicModule } from '@nestjs/common';
import { RetrievalService, CatalogService } from '@shopsense/contracts';
import { unimplementedService } from '@shopsense/grpc';
import { GRPC_SERVICES, registration, SERVICE_CONFIG } from '@shopsense/service-runtime';
import type { RetrievalConfig } from './config/retrieval.config';

/** Retrieval: the catalog, its dense and lexical indexes, and candidate generation. */
@Module({})
export class RetrievalModule {
  static forRoot(config: RetrievalConfig): DynamicModule {
    return {
      module: RetrievalModule,
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        {
          provide: GRPC_SERVICES,
          // Answers UNIMPLEMENTED until the service's own issue lands.
          useValue: [
            registration(RetrievalService, unimplementedService(RetrievalService)),
            registration(CatalogService, unimplementedService(CatalogService)),
          ],
        },
      ],
    };
  }
}
