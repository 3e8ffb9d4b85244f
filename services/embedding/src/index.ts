/** What the standalone runner composes: the service definition. */
export { embeddingService } from './embedding.service-definition';
