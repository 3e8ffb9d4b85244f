import { withPosition } from './features';
import type { FeatureValues } from './ftrl';

/**
 * What the ranker learns from: a served item with the features logged at serving time and what
 * the user did. Structurally a subset of shopsense.training.v1.TrainingExample, so decoded
 * examples from the training topic can be passed as they are.
 */
export interface LabelledExample {
  requestId: string;
  /** 0-based position the item was served at. */
  position: number;
  features: FeatureValues;
  clicked: boolean;
  addedToCart?: boolean;
  purchased?: boolean;
}

/** Anything that learns one example at a time (FtrlModel). */
export interface OnlineLearner {
  update(x: FeatureValues, label: boolean, weight?: number): number;
}

/**
 * The click label: a click, or a later cart or purchase (which implies a click the join may have
 * missed, e.g. a click event lost on a flaky network).
 */
export const clickLabel = (example: LabelledExample): boolean => example.clicked || example.addedToCart === true || example.purchased === true;

/** Graded relevance for list metrics: purchase 3, cart 2, click 1, nothing 0. */
export const gradedRelevance = (example: LabelledExample): number => (example.purchased ? 3 : example.addedToCart ? 2 : clickLabel(example) ? 1 : 0);

/** The model input of a training example: its logged features plus the served position (see POSITION_FEATURE). */
export const trainingInput = (example: LabelledExample): Record<string, number> => withPosition(example.features, example.position);

/** Learns examples in order; returns how many. */
export function learn(model: OnlineLearner, examples: Iterable<LabelledExample>): number {
  let count = 0;
  for (const example of examples) {
    model.update(trainingInput(example), clickLabel(example));
    count++;
  }
  return count;
}

/** Examples grouped into served lists by request id, each list in served order; lists in first-seen order. */
export function groupByRequest<T extends LabelledExample>(examples: readonly T[]): T[][] {
  const lists = new Map<string, T[]>();
  for (const example of examples) {
    const list = lists.get(example.requestId);
    if (list) list.push(example);
    else lists.set(example.requestId, [example]);
  }
  return [...lists.values()].map((list) => [...list].sort((a, b) => a.position - b.position));
}
