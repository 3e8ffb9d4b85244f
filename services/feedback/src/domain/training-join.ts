import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { TrainingExampleSchema, type TrainingExample } from '@shopsense/contracts';
import { decodeJoin, normalizeQuery, type ClaimedJoin } from '@shopsense/user-state';

/**
 * Turns the join state of one served list into labelled examples, once its window has closed:
 * one example per impressed item, labelled with the clicks, add-to-carts and purchases that
 * referenced the same request_id, and carrying what the ranker logged when it served the item
 * (features, score, click probability, model version). Items the ranker did not log still yield
 * an example, without features. Requests with labels but no impression yield nothing. Pure.
 *
 * Experiment assignments: what the ranker logged for the item, else what the impression event
 * carried, else what the ranker logged for the request (one response has one set of
 * assignments), so a client that does not echo `experiments` still counts towards its variant.
 */
export function buildTrainingExamples(join: ClaimedJoin, served: readonly TrainingExample[], labelledAtMs: number): TrainingExample[] {
  const { pseudonym, meta, impressions, labels } = decodeJoin(join.fields);
  if (!pseudonym || !meta) return [];
  const logged = new Map(served.map((s) => [s.itemId, s]));
  const experiments = meta.experiments
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => ({ experiment: line.slice(0, line.indexOf('=')), variant: line.slice(line.indexOf('=') + 1) }));

  const fallback = experiments.length > 0 ? experiments : (served.find((s) => s.experiments.length > 0)?.experiments ?? []);

  const examples: TrainingExample[] = [];
  for (const [itemId, position] of impressions) {
    const log = logged.get(itemId);
    // The join's query is already scrubbed and normalised; a logged one is normalised here, so no raw query leaves.
    const query = meta.query || (log?.query ? normalizeQuery(log.query) : '');
    examples.push(
      create(TrainingExampleSchema, {
        requestId: join.requestId,
        pseudonymousUserId: pseudonym,
        keyId: meta.keyId,
        query,
        itemId,
        position,
        modelVersion: log?.modelVersion ?? '',
        features: log?.features ?? {},
        score: log?.score ?? 0,
        clickProbability: log?.clickProbability ?? 0,
        clicked: labels.has(`c:${itemId}`),
        addedToCart: labels.has(`a:${itemId}`),
        purchased: labels.has(`p:${itemId}`),
        servedAt: log?.servedAt ?? (meta.servedAt > 0 ? timestampFromMs(meta.servedAt * 1000) : undefined),
        labelledAt: timestampFromMs(labelledAtMs),
        experiments: log && log.experiments.length > 0 ? log.experiments : fallback,
        surface: log?.surface ?? '',
        channel: meta.channel || log?.channel || '',
      }),
    );
  }
  return examples.sort((a, b) => a.position - b.position || (a.itemId < b.itemId ? -1 : 1));
}
