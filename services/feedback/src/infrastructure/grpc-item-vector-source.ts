import { RetrievalService } from '@shopsense/contracts';
import { createGrpcClient, type GrpcClientOptions, type ServiceClient } from '@shopsense/grpc';
import type { ItemVectorBatch, ItemVectorLookup, ItemVectorSource } from '../application/item-vector-source.port';

/** Item embeddings from RetrievalService.GetItemVectors (one long-lived channel, a deadline per call, retries on UNAVAILABLE). */
export class GrpcItemVectorSource implements ItemVectorSource {
  private readonly client: ServiceClient<typeof RetrievalService>;

  constructor(target: string, options: GrpcClientOptions) {
    // 1,000 vectors of 1,024 floats are ~4 MB: allow replies that size.
    this.client = createGrpcClient(RetrievalService, target, { maxRetries: 2, maxReceiveMessageBytes: 64 * 1024 * 1024, ...options });
  }

  async getVectors(itemIds: readonly string[], lookup: ItemVectorLookup = {}): Promise<ItemVectorBatch> {
    const response = await this.client.getItemVectors({ itemIds: [...itemIds] }, lookup.timeoutMs === undefined ? {} : { timeoutMs: lookup.timeoutMs });
    const vectors = new Map<string, Float32Array>();
    for (const v of response.vectors) vectors.set(v.itemId, Float32Array.from(v.values));
    return { vectors, modelVersion: response.modelVersion };
  }

  close(): void {
    this.client.close();
  }
}
