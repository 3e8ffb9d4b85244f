import { createHash } from 'node:crypto';
import type { TrainingExample } from '@shopsense/contracts';
import type { Logger } from '@shopsense/observability';
import { clickLabel, FtrlModel, learn, RecentMap, shouldPromote, UNTRAINED_VERSION, type GateDecision, type LabelledExample, type VariantCounts } from '../domain';

export interface TrainerSettings {
  /** Requests whose id hashes to 0 mod this are held out (whole lists, so NDCG can be computed). */
  holdoutEvery: number;
  /** Learned examples between promotion attempts. */
  promoteEvery: number;
  /** Most recent held-out examples kept. */
  holdoutSize: number;
}

/** Where promoted models go (ModelRegistry). */
export interface ModelSink {
  current(): FtrlModel;
  promote(model: FtrlModel, nowMs: number): Promise<string>;
}

const toLabelled = (e: TrainingExample): LabelledExample => ({ requestId: e.requestId, position: e.position, features: e.features, clicked: e.clicked, addedToCart: e.addedToCart, purchased: e.purchased });

/**
 * The online learner (issue 7): every training example from shopsense.training.v1 updates a
 * working FTRL model, except requests held out by hash, which are kept to judge it. Every
 * `promoteEvery` examples the working model is compared with the serving one on the held-out
 * slice (shouldPromote) and, if it is no worse, persisted as a new version and served.
 *
 * The same examples also give the experiments' per-variant counts: a served list is one exposure
 * of each variant it was assigned, a click (conversion) when any of its items was clicked
 * (purchased). Counts are per process, rebuilt from the topic (each replica has its own group).
 */
export class OnlineTrainer {
  private working: FtrlModel;
  private readonly heldOut: LabelledExample[] = [];
  private learnedSincePromotion = 0;
  private readonly seenExamples = new RecentMap<true>(200_000);
  private readonly requests = new RecentMap<{ clicked: boolean; purchased: boolean }>(200_000);
  private readonly counts = new Map<string, Map<string, VariantCounts>>();
  lastDecision?: GateDecision;

  constructor(
    private readonly models: ModelSink,
    private readonly settings: TrainerSettings,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.working = models.current().clone();
  }

  isHeldOut(requestId: string): boolean {
    return createHash('sha256').update(requestId, 'utf8').digest().readUInt32BE(0) % this.settings.holdoutEvery === 0;
  }

  /** One example from the topic; idempotent for a redelivered (request, item) pair seen recently. */
  async handle(example: TrainingExample): Promise<void> {
    const key = `${example.requestId}\u0000${example.itemId}`;
    if (this.seenExamples.get(key)) return;
    this.seenExamples.set(key, true);
    this.count(example);
    const labelled = toLabelled(example);
    if (this.isHeldOut(example.requestId)) {
      this.heldOut.push(labelled);
      if (this.heldOut.length > this.settings.holdoutSize) this.heldOut.splice(0, this.heldOut.length - this.settings.holdoutSize);
      return;
    }
    learn(this.working, [labelled]);
    if (++this.learnedSincePromotion >= this.settings.promoteEvery) await this.tryPromote();
  }

  /** Gates the working model against the serving one; promotes it when it is no worse. */
  async tryPromote(): Promise<GateDecision> {
    this.learnedSincePromotion = 0;
    const candidate = this.working.clone();
    const serving = this.models.current();
    // An untrained model is no model: the candidate must beat the baselines instead.
    const decision = shouldPromote(candidate, serving.version === UNTRAINED_VERSION ? undefined : serving, this.heldOut);
    this.lastDecision = decision;
    if (decision.promote) {
      const version = await this.models.promote(candidate, this.clock());
      this.logger.info({ version, reason: decision.reason, trainingCount: candidate.trainingCount }, 'promoted a ranking model');
    } else {
      this.logger.info({ reason: decision.reason }, 'kept the serving ranking model');
    }
    return decision;
  }

  private count(example: TrainingExample): void {
    if (example.experiments.length === 0) return;
    const before = this.requests.get(example.requestId);
    const label = clickLabel(toLabelled(example));
    const now = { clicked: (before?.clicked ?? false) || label, purchased: (before?.purchased ?? false) || example.purchased };
    this.requests.set(example.requestId, now);
    for (const { experiment, variant } of example.experiments) {
      const variants = this.counts.get(experiment) ?? new Map<string, VariantCounts>();
      this.counts.set(experiment, variants);
      const c = variants.get(variant) ?? { variant, exposures: 0, clicks: 0, conversions: 0 };
      variants.set(variant, c);
      if (!before) c.exposures++;
      if (now.clicked && !before?.clicked) c.clicks++;
      if (now.purchased && !before?.purchased) c.conversions++;
    }
  }

  /** Per-variant counts of an experiment, from the training examples seen by this process. */
  variantCounts(experiment: string): VariantCounts[] {
    return [...(this.counts.get(experiment)?.values() ?? [])].map((c) => ({ ...c }));
  }
}
