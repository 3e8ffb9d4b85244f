import { Module, type DynamicModule } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { EmbeddingService } from '@shopsense/contracts';
import type { Logger, ServiceMetrics } from '@shopsense/observability';
import { GRPC_SERVICES, registration } from '@shopsense/service-runtime';
import { EMBEDDING_SERVICE_OPTIONS, EmbeddingApplicationService, type EmbeddingServiceOptions } from './application/embedding.service';
import { TEXT_ENCODER } from './application/text-encoder.port';
import type { EmbeddingConfig } from './config/embedding.config';
import { EmbeddingGrpcController } from './grpc/embedding.grpc-controller';
import { OnnxTextEncoder } from './infrastructure/onnx-text-encoder';

function registerMetrics(registry: Registry, service: EmbeddingApplicationService, encoder: OnnxTextEncoder): void {
  const stat = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  stat('embedding_queue_texts', 'Texts waiting for the model.', () => service.batcherStats.queued);
  stat('embedding_batches_total', 'Inference batches run.', () => service.batcherStats.batches);
  stat('embedding_texts_total', 'Texts embedded by the model (cache hits excluded).', () => service.batcherStats.texts);
  stat('embedding_dropped_expired_total', 'Texts dropped because their deadline passed before inference.', () => service.batcherStats.droppedExpired);
  stat('embedding_rejected_queue_full_total', 'Requests refused with RESOURCE_EXHAUSTED.', () => service.batcherStats.rejectedFull);
  stat('embedding_query_cache_hits_total', 'Query embeddings answered from the cache.', () => service.batcherStats.cacheHits);
  stat('embedding_inference_worker_restarts_total', 'Inference worker threads started again after one died.', () => encoder.workerRestarts);
  stat('embedding_tokenizer_worker_restarts_total', 'Tokenizer worker threads started again after one died.', () => encoder.tokenizerRestarts);
  new Gauge({ name: 'embedding_model_info', help: 'Always 1; the label names the model version served.', labelNames: ['version'], registers: [registry] }).set({ version: encoder.manifest.version }, 1);
}

/** On CPU a batch is no cheaper per text than one text alone, and a query waits for the bulk batch that is running. */
function bulkBatchSize(config: EmbeddingConfig): number {
  return config.EMBEDDING_BULK_BATCH_SIZE ?? (config.EMBEDDING_DEVICE === 'cuda' ? config.EMBEDDING_MAX_BATCH_SIZE : Math.min(4, config.EMBEDDING_MAX_BATCH_SIZE));
}

/** Embedding: text to vectors with a pretrained transformer on ONNX Runtime. */
@Module({})
export class EmbeddingModule {
  static forRoot(config: EmbeddingConfig, runtime: { logger: Logger; metrics: ServiceMetrics }): DynamicModule {
    const options: EmbeddingServiceOptions = {
      limits: { maxTexts: config.EMBEDDING_MAX_TEXTS_PER_REQUEST, maxTextChars: config.EMBEDDING_MAX_TEXT_CHARS },
      batcher: {
        maxBatchSize: config.EMBEDDING_MAX_BATCH_SIZE,
        maxBulkBatchSize: bulkBatchSize(config),
        maxBatchTokens: config.EMBEDDING_MAX_BATCH_TOKENS,
        maxPaddingRatio: config.EMBEDDING_MAX_PADDING_RATIO,
        maxWaitMs: config.EMBEDDING_MAX_WAIT_MS,
        maxQueuedTexts: config.EMBEDDING_MAX_QUEUED_TEXTS,
      },
      queryCacheSize: config.EMBEDDING_QUERY_CACHE_SIZE,
    };
    return {
      module: EmbeddingModule,
      providers: [
        { provide: EMBEDDING_SERVICE_OPTIONS, useValue: options },
        {
          provide: TEXT_ENCODER,
          useFactory: async () => {
            const encoder = await OnnxTextEncoder.load({
              modelDir: config.EMBEDDING_MODEL_DIR,
              modelFile: config.EMBEDDING_MODEL_FILE,
              device: config.EMBEDDING_DEVICE,
              cudaFallbackToCpu: config.EMBEDDING_CUDA_FALLBACK_TO_CPU,
              intraOpThreads: config.EMBEDDING_INTRA_OP_THREADS,
              interOpThreads: config.EMBEDDING_INTER_OP_THREADS,
            });
            runtime.logger.info({ model: encoder.manifest.name, version: encoder.manifest.version, device: encoder.device, quantization: encoder.quantization }, 'model loaded');
            return encoder;
          },
        },
        {
          provide: EmbeddingApplicationService,
          useFactory: async (encoder: OnnxTextEncoder, serviceOptions: EmbeddingServiceOptions) => {
            const service = new EmbeddingApplicationService(encoder, serviceOptions);
            const started = Date.now();
            await service.warmUp();
            runtime.logger.info({ ms: Date.now() - started }, 'model warmed up');
            registerMetrics(runtime.metrics.registry, service, encoder);
            return service;
          },
          inject: [TEXT_ENCODER, EMBEDDING_SERVICE_OPTIONS],
        },
        EmbeddingGrpcController,
        {
          provide: GRPC_SERVICES,
          useFactory: (controller: EmbeddingGrpcController) => [registration(EmbeddingService, controller.implementation())],
          inject: [EmbeddingGrpcController],
        },
      ],
    };
  }
}
