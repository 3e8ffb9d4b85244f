import { EmbeddingKind, EmbeddingService, EmbedPriority } from '@shopsense/contracts';
import { createGrpcClient, type GrpcClientOptions, type ServiceClient } from '@shopsense/grpc';
import { embedEachDocument } from '../application/embed-each-document';
import type { DocumentEmbedding, Embedder } from '../application/embedder.port';

/** The Embedder port over the embedding service's gRPC API. */
export class GrpcEmbedder implements Embedder {
  private readonly client: ServiceClient<typeof EmbeddingService>;

  constructor(target: string, options: GrpcClientOptions, private readonly batchSize = 64) {
    this.client = createGrpcClient(EmbeddingService, target, options);
  }

  async describe(): Promise<{ dimension: number; version: string }> {
    const info = (await this.client.getModelInfo({}, { timeoutMs: 30_000 })).model;
    if (!info) throw new Error('the embedding service returned no model info');
    return { dimension: info.dimension, version: info.version };
  }

  async embedDocuments(texts: readonly string[]): Promise<DocumentEmbedding[]> {
    const out: DocumentEmbedding[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) out.push(...(await embedEachDocument(texts.slice(i, i + this.batchSize), (chunk) => this.embedBulk(chunk))));
    return out;
  }

  private async embedBulk(texts: readonly string[]): Promise<Float32Array[]> {
    // Indexing is bulk work: searches are served first while it runs.
    const response = await this.client.embed({ texts: [...texts], kind: EmbeddingKind.DOCUMENT, priority: EmbedPriority.BULK }, { timeoutMs: 120_000 });
    return response.embeddings.map((e) => Float32Array.from(e.values));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const response = await this.client.embed({ texts: [text], kind: EmbeddingKind.QUERY });
    return Float32Array.from(response.embeddings[0]!.values);
  }

  close(): void {
    this.client.close();
  }
}
