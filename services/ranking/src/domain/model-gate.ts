import { expectedCalibrationError, logLoss, type LabelledPrediction } from './calibration';
import type { FeatureValues } from './ftrl';
import { ndcgAtK } from './list-metrics';
import { clickLabel, gradedRelevance, groupByRequest, trainingInput, type LabelledExample } from './training';

/**
 * The promotion gate for model snapshots: a new snapshot is served only if it does not lose to the
 * one being served on a held-out slice of training examples, on either of two questions:
 *   - are its probabilities right? (log loss over impressions, with the served position as an
 *     input, as in training);
 *   - does it order lists well? (NDCG@k over requests, ranking by the serving-time features only:
 *     ranking with the position would just replay the served order).
 * With nothing served yet, the snapshot must beat a trivial baseline: the retrieval order (what
 * the no-op ranker serves) on NDCG, or the best constant CTR on log loss.
 */

/** What the gate needs of a model. */
export interface ClickModel {
  readonly version: string;
  predict(x: FeatureValues): number;
}

export interface GateOptions {
  /** Cut-off of NDCG. */
  k: number;
  /** The candidate may be worse by at most this much log loss (nats per impression). */
  logLossTolerance: number;
  /** The candidate may be worse by at most this much NDCG@k. */
  ndcgTolerance: number;
  /** Fewer requests with any click than this: too little evidence, nothing is promoted. */
  minInformativeRequests: number;
}

export const DEFAULT_GATE_OPTIONS: GateOptions = { k: 10, logLossTolerance: 0.001, ndcgTolerance: 0.005, minInformativeRequests: 20 };

export interface ModelEvaluation {
  logLoss: number;
  /** Mean NDCG@k over requests with at least one click. */
  ndcg: number;
  /** Expected calibration error (10 bins) over the impressions: reported, not gated on. */
  ece: number;
}

export interface GateDecision {
  promote: boolean;
  /** Why, in words, for the logs and the model registry. */
  reason: string;
  candidate: ModelEvaluation;
  current?: ModelEvaluation;
  baselines: { constantCtrLogLoss: number; retrievalOrderNdcg: number };
  examples: number;
  informativeRequests: number;
}

/** The fused-retrieval reciprocal-rank feature: the no-op ranker's order. */
const RETRIEVAL_ORDER_FEATURE = 'retrieval_rr';

function meanNdcg(lists: readonly LabelledExample[][], score: (example: LabelledExample) => number, k: number): number {
  let sum = 0;
  for (const list of lists) {
    const scores = list.map(score);
    // Ties keep the served order, so a model that says nothing scores as the served list.
    const order = list.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    sum += ndcgAtK(order.map((i) => gradedRelevance(list[i])), k);
  }
  return lists.length > 0 ? sum / lists.length : 0;
}

function informativeLists(heldOut: readonly LabelledExample[]): LabelledExample[][] {
  return groupByRequest(heldOut).filter((list) => list.some(clickLabel));
}

/** Log loss and ECE over impressions, mean NDCG@k over informative requests. A model that predicts NaN gets Infinity log loss. */
export function evaluateModel(model: ClickModel, heldOut: readonly LabelledExample[], k = DEFAULT_GATE_OPTIONS.k): ModelEvaluation {
  const predictions: LabelledPrediction[] = [];
  for (const example of heldOut) {
    const probability = model.predict(trainingInput(example));
    if (!(probability >= 0 && probability <= 1)) return { logLoss: Infinity, ndcg: 0, ece: 1 };
    predictions.push({ probability, label: clickLabel(example) });
  }
  return { logLoss: logLoss(predictions), ndcg: meanNdcg(informativeLists(heldOut), (e) => model.predict(e.features), k), ece: expectedCalibrationError(predictions) };
}

/** The baselines a first model must beat: the best constant CTR (log loss) and the retrieval order (NDCG). */
export function baselines(heldOut: readonly LabelledExample[], k = DEFAULT_GATE_OPTIONS.k): { constantCtrLogLoss: number; retrievalOrderNdcg: number } {
  const ctr = heldOut.length > 0 ? heldOut.filter(clickLabel).length / heldOut.length : 0;
  return {
    constantCtrLogLoss: logLoss(heldOut.map((e) => ({ probability: ctr, label: clickLabel(e) }))),
    retrievalOrderNdcg: meanNdcg(informativeLists(heldOut), (e) => e.features[RETRIEVAL_ORDER_FEATURE] ?? 0, k),
  };
}

const round = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));

export function shouldPromote(candidate: ClickModel, current: ClickModel | undefined, heldOut: readonly LabelledExample[], options: Partial<GateOptions> = {}): GateDecision {
  const o = { ...DEFAULT_GATE_OPTIONS, ...options };
  const informative = informativeLists(heldOut).length;
  const candidateEval = evaluateModel(candidate, heldOut, o.k);
  const base = baselines(heldOut, o.k);
  const decision = (promote: boolean, reason: string, currentEval?: ModelEvaluation): GateDecision => ({
    promote,
    reason,
    candidate: candidateEval,
    ...(currentEval ? { current: currentEval } : {}),
    baselines: base,
    examples: heldOut.length,
    informativeRequests: informative,
  });

  if (informative < o.minInformativeRequests) return decision(false, `too little held-out evidence: ${informative} requests with a click, need ${o.minInformativeRequests}`);
  if (!Number.isFinite(candidateEval.logLoss)) return decision(false, `candidate ${candidate.version} predicts invalid probabilities`);

  if (!current) {
    const beatsOrder = candidateEval.ndcg > base.retrievalOrderNdcg;
    const beatsConstant = candidateEval.logLoss < base.constantCtrLogLoss;
    if (beatsOrder || beatsConstant) {
      const why = [beatsOrder ? `NDCG@${o.k} ${round(candidateEval.ndcg)} > retrieval order ${round(base.retrievalOrderNdcg)}` : '', beatsConstant ? `log loss ${round(candidateEval.logLoss)} < constant CTR ${round(base.constantCtrLogLoss)}` : ''].filter((s) => s);
      return decision(true, `no model served; candidate beats the baseline: ${why.join(', ')}`);
    }
    return decision(false, `no model served; candidate beats neither the retrieval order on NDCG@${o.k} nor the constant CTR on log loss`);
  }

  const currentEval = evaluateModel(current, heldOut, o.k);
  const lossLoses = candidateEval.logLoss > currentEval.logLoss + o.logLossTolerance;
  const ndcgLoses = candidateEval.ndcg < currentEval.ndcg - o.ndcgTolerance;
  if (lossLoses || ndcgLoses) {
    const why = [lossLoses ? `log loss ${round(candidateEval.logLoss)} vs ${round(currentEval.logLoss)}` : '', ndcgLoses ? `NDCG@${o.k} ${round(candidateEval.ndcg)} vs ${round(currentEval.ndcg)}` : ''].filter((s) => s);
    return decision(false, `candidate ${candidate.version} loses to ${current.version}: ${why.join(', ')}`, currentEval);
  }
  return decision(true, `candidate ${candidate.version} does not lose to ${current.version} (log loss ${round(candidateEval.logLoss)} vs ${round(currentEval.logLoss)}, NDCG@${o.k} ${round(candidateEval.ndcg)} vs ${round(currentEval.ndcg)})`, currentEval);
}
