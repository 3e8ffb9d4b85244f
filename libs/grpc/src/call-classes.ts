import type { CallClass } from './admission';

/**
 * How admission control treats each public method (by `package.Service/Method`); any method not
 * named here is `interactive`.
 * - exempt: ForgetUser is a legal obligation and must get through an overload; Embed is admitted
 *   by the embedding service itself, which bounds its queue in texts and serves query texts
 *   before document texts (a per-call limit would also starve its batching).
 * - bulk: catalog writes, history imports (long client streams), and the vector reads feedback
 *   makes in the background.
 */
const CALL_CLASSES: Readonly<Record<string, CallClass>> = {
  'shopsense.events.v1.CollectorService/ForgetUser': 'exempt',
  'shopsense.embedding.v1.EmbeddingService/Embed': 'exempt',
  'shopsense.events.v1.CollectorService/ImportEvents': 'bulk',
  'shopsense.catalog.v1.CatalogService/UpsertProducts': 'bulk',
  'shopsense.catalog.v1.CatalogService/DeleteProducts': 'bulk',
  'shopsense.retrieval.v1.RetrievalService/GetItemVectors': 'bulk',
};

export function callClassOf(serviceTypeName: string, methodName: string): CallClass {
  return CALL_CLASSES[`${serviceTypeName}/${methodName}`] ?? 'interactive';
}
