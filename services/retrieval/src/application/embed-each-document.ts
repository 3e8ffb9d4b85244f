import { AppError } from '@shopsense/errors';
import type { DocumentEmbedding } from './embedder.port';

const TEXT_FIELD = /^texts\[(\d+)\]$/;

/**
 * Embeds a batch through `embedBatch` so that texts the embedding service refuses (its
 * INVALID_ARGUMENT names them as `texts[i]`) fail alone: they get their reason, and the rest of
 * the batch is embedded again without them. Anything else (an outage, a refusal of the whole
 * request) fails the batch as before.
 */
export async function embedEachDocument(texts: readonly string[], embedBatch: (texts: readonly string[]) => Promise<Float32Array[]>): Promise<DocumentEmbedding[]> {
  const results: (DocumentEmbedding | undefined)[] = new Array(texts.length);
  let pending = texts.map((_, i) => i);
  while (pending.length > 0) {
    try {
      const vectors = await embedBatch(pending.map((i) => texts[i]!));
      pending.forEach((i, j) => (results[i] = { vector: vectors[j]! }));
      pending = [];
    } catch (error) {
      const refused = refusedTexts(error);
      if (refused.size === 0) throw error;
      pending = pending.filter((i, j) => {
        const problem = refused.get(j);
        if (problem !== undefined) results[i] = { problem };
        return problem === undefined;
      });
    }
  }
  return results as DocumentEmbedding[];
}

/** The texts an INVALID_ARGUMENT names, by index in the request, with their reason. */
function refusedTexts(error: unknown): Map<number, string> {
  const refused = new Map<number, string>();
  if (!(error instanceof AppError) || error.code !== 'INVALID_ARGUMENT') return refused;
  for (const violation of error.fieldViolations) {
    const match = TEXT_FIELD.exec(violation.field);
    if (match) refused.set(Number(match[1]), violation.description);
  }
  return refused;
}
