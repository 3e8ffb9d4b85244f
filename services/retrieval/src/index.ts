/** What the standalone runner composes: the service definition. */
export { retrievalService, retrievalServiceWith } from './retrieval.service-definition';
