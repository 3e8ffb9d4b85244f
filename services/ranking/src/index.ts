/** What the standalone runner composes: the service definition, with injectable parts. */
export { rankingService, rankingServiceWith } from './ranking.service-definition';
export { WARM_UP_CHANNEL } from './domain/search-analytics';
