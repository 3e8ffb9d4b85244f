import type { BehaviorEvent, CollectorService, ImportEventsRequest } from '@shopsense/contracts';
import type { ServiceImplementation } from '@shopsense/grpc';
import type { CollectorApplicationService } from '../application/collector.service';

async function* chunks(requests: AsyncIterable<ImportEventsRequest>): AsyncIterable<BehaviorEvent[]> {
  for await (const request of requests) yield request.events;
}

/** gRPC transport of CollectorService: decode (done by the server), call the use case, encode. */
export class CollectorGrpcController {
  constructor(private readonly collector: CollectorApplicationService) {}

  implementation(): ServiceImplementation<typeof CollectorService> {
    return {
      track: async (request) => {
        const result = await this.collector.track(request.events);
        return { accepted: result.accepted, rejected: result.rejected };
      },
      forgetUser: async (request) => ({ requestedAt: await this.collector.forgetUser(request.userId) }),
      importEvents: async (requests) => {
        const result = await this.collector.importEvents(chunks(requests));
        return { accepted: BigInt(result.accepted), rejected: result.rejected, rejectedCount: BigInt(result.rejectedCount) };
      },
    };
  }
}
