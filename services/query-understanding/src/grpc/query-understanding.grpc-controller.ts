import type { QueryUnderstandingService } from '@shopsense/contracts';
import type { CallContext, ServiceImplementation } from '@shopsense/grpc';
import type { QueryUnderstandingApplicationService } from '../application/query-understanding.service';
import { toParsedQuery } from './parsed-query.mapper';

/** gRPC transport of query understanding: decode, call the use case, encode. Errors map in libs/grpc. */
export class QueryUnderstandingGrpcController {
  constructor(private readonly understanding: QueryUnderstandingApplicationService) {}

  implementation(): ServiceImplementation<typeof QueryUnderstandingService> {
    return {
      understand: async (request, context: CallContext) => ({
        parsed: toParsedQuery(await this.understanding.understand(request.query, request.localeHint, { signal: context.signal, ...(context.deadline ? { deadline: context.deadline } : {}) })),
      }),
    };
  }
}
