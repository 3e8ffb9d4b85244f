import { Inject, Injectable } from '@nestjs/common';
import { EmbeddingKind, EmbedPriority, type EmbeddingService } from '@shopsense/contracts';
import type { CallContext, ServiceImplementation } from '@shopsense/grpc';
import { EMBEDDING_SERVICE_OPTIONS, EmbeddingApplicationService, type EmbeddingServiceOptions } from '../application/embedding.service';
import { TEXT_ENCODER, type TextEncoder } from '../application/text-encoder.port';

/** Without a deadline from the caller, a request may wait this long for the model. */
const DEFAULT_BUDGET_MS = 30_000;

/** gRPC transport of the embedding service: decode, call the use case, encode. */
@Injectable()
export class EmbeddingGrpcController {
  constructor(
    private readonly embedding: EmbeddingApplicationService,
    @Inject(TEXT_ENCODER) private readonly encoder: TextEncoder,
    @Inject(EMBEDDING_SERVICE_OPTIONS) private readonly options: EmbeddingServiceOptions,
  ) {}

  implementation(): ServiceImplementation<typeof EmbeddingService> {
    return {
      embed: async (request, context: CallContext) => {
        const kind = request.kind === EmbeddingKind.DOCUMENT ? 'document' : 'query';
        const deadline = context.deadline?.getTime() ?? Date.now() + DEFAULT_BUDGET_MS;
        const priority = request.priority === EmbedPriority.BULK ? 'bulk' : 'interactive';
        const result = await this.embedding.embed(request.texts, kind, deadline, context.signal, priority);
        return {
          modelVersion: result.modelVersion,
          dimension: this.encoder.manifest.dimension,
          embeddings: result.vectors.map((vector) => ({ values: Array.from(vector) })),
        };
      },
      getModelInfo: () => {
        const { manifest } = this.encoder;
        return {
          model: {
            name: manifest.name,
            version: manifest.version,
            dimension: manifest.dimension,
            maxLength: manifest.maxLength,
            pooling: manifest.pooling,
            normalized: manifest.normalize,
            device: this.encoder.device,
            quantization: this.encoder.quantization,
            maxBatchSize: this.options.batcher.maxBatchSize,
          },
        };
      },
    };
  }
}
