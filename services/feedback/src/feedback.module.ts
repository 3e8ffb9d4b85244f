import { Module, type DynamicModule } from '@nestjs/common';
import { CollectorService } from '@shopsense/contracts';
import { unimplementedService } from '@shopsense/grpc';
import { GRPC_SERVICES, registration, SERVICE_CONFIG } from '@shopsense/service-runtime';
import type { FeedbackConfig } from './config/feedback.config';

/** Feedback: clickstream intake into user and item state, training examples, forget-a-user. */
@Module({})
export class FeedbackModule {
  static forRoot(config: FeedbackConfig): DynamicModule {
    return {
      module: FeedbackModule,
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        {
          provide: GRPC_SERVICES,
          // Answers UNIMPLEMENTED until the service's own issue lands.
          useValue: [
            registration(CollectorService, unimplementedService(CollectorService)),
          ],
        },
      ],
    };
  }
}
