/** What the standalone runner composes: the service definition, with injectable parts. */
export { queryUnderstandingService, queryUnderstandingServiceWith } from './query-understanding.service-definition';
export { QueryUnderstandingLifecycle } from './query-understanding.module';
