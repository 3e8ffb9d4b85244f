/** What the standalone runner and the CLI compose: the service definition and the catalog importer. */
export { retrievalService, retrievalServiceWith } from './retrieval.service-definition';
export { importCatalog, type ImportProgress } from './import/catalog-importer';
