import { RetrievalService } from '@shopsense/contracts';
import { AppError } from '@shopsense/errors';
import { GrpcServer, unimplementedService } from '@shopsense/grpc';
import { createLogger } from '@shopsense/observability';
import { itemVector } from './item-vectors.fixture';

/**
 * A stand-in for the retrieval service in feedback's tests and benchmark (retrieval is another
 * component): GetItemVectors answers with deterministic category vectors over real gRPC, so the
 * real client, deadlines and retries are exercised. `failing` makes it answer UNAVAILABLE;
 * `delayMs` makes it answer that much later (past a caller's deadline, say).
 */
export class FakeRetrievalServer {
  private readonly server: GrpcServer;
  failing = false;
  delayMs = 0;
  calls = 0;
  requestedIds = 0;

  constructor(
    readonly dimension: number,
    readonly modelVersion = 'fake-model-v1',
  ) {
    this.server = new GrpcServer({
      host: '127.0.0.1',
      port: 0,
      tls: { mode: 'insecure' },
      apiKeys: undefined,
      maxReceiveMessageBytes: 4 * 1024 * 1024,
      maxSendMessageBytes: 64 * 1024 * 1024,
      shutdownGraceMs: 1_000,
      reflection: false,
      logger: createLogger('fake-retrieval', 'silent'),
    });
    this.server.addService(RetrievalService, {
      ...unimplementedService(RetrievalService),
      getItemVectors: async (request) => {
        this.calls++;
        if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        this.requestedIds += request.itemIds.length;
        if (this.failing) throw new AppError('UNAVAILABLE', 'retrieval is down (test)');
        const vectors = [];
        const missing = [];
        for (const id of request.itemIds) {
          const v = itemVector(id, this.dimension);
          if (v) vectors.push({ itemId: id, values: Array.from(v) });
          else missing.push(id);
        }
        return { vectors, missingItemIds: missing, modelVersion: this.modelVersion };
      },
    });
  }

  /** Starts and returns `127.0.0.1:<port>`. */
  async start(): Promise<string> {
    const port = await this.server.start();
    return `127.0.0.1:${port}`;
  }

  stop(): Promise<void> {
    return this.server.shutdown();
  }
}
