/** What the standalone runner composes: the service definition, with injectable parts. */
export { rankingService, rankingServiceWith } from './ranking.service-definition';
