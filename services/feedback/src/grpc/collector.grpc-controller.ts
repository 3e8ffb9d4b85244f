import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { BehaviorEvent, CollectorService, ImportEventsRequest } from '@shopsense/contracts';
import type { ServiceImplementation } from '@shopsense/grpc';
import type { CollectorApplicationService } from '../application/collector.service';
import type { FeedbackMetrics } from '../application/feedback-metrics';

async function* chunks(requests: AsyncIterable<ImportEventsRequest>): AsyncIterable<BehaviorEvent[]> {
  for await (const request of requests) yield request.events;
}

/** gRPC transport of CollectorService: decode (done by the server), call the use case, encode. */
export class CollectorGrpcController {
  constructor(
    private readonly collector: CollectorApplicationService,
    private readonly metrics: FeedbackMetrics,
  ) {}

  implementation(): ServiceImplementation<typeof CollectorService> {
    return {
      track: async (request) => this.collector.track(request.events),
      forgetUser: async (request) => ({ requestedAt: await this.collector.forgetUser(request.userId) }),
      importEvents: async (requests) => {
        const result = await this.collector.importEvents(chunks(requests));
        return { accepted: BigInt(result.accepted), rejected: result.rejected, rejectedCount: BigInt(result.rejectedCount), duplicates: BigInt(result.duplicates), forgotten: BigInt(result.forgotten) };
      },
      getIntakeStatus: async () => {
        const t = await this.metrics.intakeTotals();
        return { applied: BigInt(t.applied), duplicates: BigInt(t.duplicates), forgotten: BigInt(t.forgotten), deadLettered: BigInt(t.deadLettered), backlog: BigInt(t.backlog), since: timestampFromMs(t.sinceMs) };
      },
    };
  }
}
