import { Module, type DynamicModule } from '@nestjs/common';
import { EmbeddingService } from '@shopsense/contracts';
import { unimplementedService } from '@shopsense/grpc';
import { GRPC_SERVICES, registration, SERVICE_CONFIG } from '@shopsense/service-runtime';
import type { EmbeddingConfig } from './config/embedding.config';

/** Embedding: text to vectors with a pretrained transformer on ONNX Runtime. */
@Module({})
export class EmbeddingModule {
  static forRoot(config: EmbeddingConfig): DynamicModule {
    return {
      module: EmbeddingModule,
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        {
          provide: GRPC_SERVICES,
          // Answers UNIMPLEMENTED until the service's own issue lands.
          useValue: [
            registration(EmbeddingService, unimplementedService(EmbeddingService)),
          ],
        },
      ],
    };
  }
}
