import { Module, type DynamicModule } from '@nestjs/common';
import { QueryUnderstandingService } from '@shopsense/contracts';
import { unimplementedService } from '@shopsense/grpc';
import { GRPC_SERVICES, registration, SERVICE_CONFIG } from '@shopsense/service-runtime';
import type { QueryUnderstandingConfig } from './config/query-understanding.config';

/** Query understanding: raw English/Chinese queries into structured ParsedQuery messages. */
@Module({})
export class QueryUnderstandingModule {
  static forRoot(config: QueryUnderstandingConfig): DynamicModule {
    return {
      module: QueryUnderstandingModule,
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        {
          provide: GRPC_SERVICES,
          // Answers UNIMPLEMENTED until the service's own issue lands.
          useValue: [
            registration(QueryUnderstandingService, unimplementedService(QueryUnderstandingService)),
          ],
        },
      ],
    };
  }
}
