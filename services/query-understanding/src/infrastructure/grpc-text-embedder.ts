import type { ChannelCredentials } from '@grpc/grpc-js';
import { EmbeddingKind, EmbeddingService, EmbedPriority } from '@shopsense/contracts';
import { createGrpcClient, type ServiceClient } from '@shopsense/grpc';
import type { ServiceMetrics } from '@shopsense/observability';
import type { EmbeddedTexts, EmbeddingKind as Kind, TextEmbedder } from '../application/text-embedder.port';

export interface GrpcTextEmbedderOptions {
  address: string;
  credentials: ChannelCredentials;
  apiKey?: string | undefined;
  metrics?: ServiceMetrics;
}

/**
 * The embedding service over gRPC: one long-lived channel; every call carries its own deadline,
 * capped by the deadline of the request being served (libs/grpc), and is retried only on
 * UNAVAILABLE (Embed is declared side-effect free).
 */
export class GrpcTextEmbedder implements TextEmbedder {
  private readonly client: ServiceClient<typeof EmbeddingService>;

  constructor(options: GrpcTextEmbedderOptions) {
    this.client = createGrpcClient(EmbeddingService, options.address, {
      credentials: options.credentials,
      defaultTimeoutMs: 1_000,
      apiKey: options.apiKey,
      maxReceiveMessageBytes: 64 * 1024 * 1024,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
  }

  async embed(texts: readonly string[], kind: Kind, options: { timeoutMs: number; signal?: AbortSignal; priority?: 'interactive' | 'bulk' }): Promise<EmbeddedTexts> {
    const response = await this.client.embed(
      {
        texts: [...texts],
        kind: kind === 'document' ? EmbeddingKind.DOCUMENT : EmbeddingKind.QUERY,
        priority: options.priority === 'bulk' ? EmbedPriority.BULK : EmbedPriority.INTERACTIVE,
      },
      options.signal ? { timeoutMs: options.timeoutMs, signal: options.signal } : { timeoutMs: options.timeoutMs },
    );
    if (response.embeddings.length !== texts.length) throw new Error(`Embed returned ${response.embeddings.length} vectors for ${texts.length} texts`);
    return { vectors: response.embeddings.map((e) => Float32Array.from(e.values)), modelVersion: response.modelVersion };
  }

  close(): void {
    this.client.close();
  }
}
