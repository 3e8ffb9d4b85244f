import type { CollectorService } from '@shopsense/contracts';
import type { ServiceImplementation } from '@shopsense/grpc';
import type { CollectorApplicationService } from '../application/collector.service';

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
    };
  }
}
