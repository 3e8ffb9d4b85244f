import { Degradation } from '@shopsense/contracts';
import { AppError } from '@shopsense/errors';

/**
 * The named stages of a ranking request and what each falls back to (conventions §4, metarank's
 * NoopRanker): a failed or timed-out optional part never fails the request; it is recorded here,
 * and the report gives the response's `degraded` flags and the metric labels, the same way in
 * every use case.
 *
 *   understand → embed → retrieve → features → score → rerank
 */
export const STAGES = ['understand', 'embed', 'retrieve', 'features', 'score', 'rerank'] as const;
export type Stage = (typeof STAGES)[number];

/** Each thing that can fail, the stage it belongs to, the flag it raises and what is served instead. */
export const FAILURES = {
  queryUnderstanding: { stage: 'understand', degradation: Degradation.QUERY_UNDERSTANDING_UNAVAILABLE, fallback: 'raw query without filters, correction or synonyms' },
  embedding: { stage: 'embed', degradation: Degradation.EMBEDDING_UNAVAILABLE, fallback: 'lexical retrieval only' },
  retrievalPartial: { stage: 'retrieve', degradation: Degradation.RETRIEVAL_PARTIAL, fallback: 'candidates from the sources that answered' },
  retrieval: { stage: 'retrieve', degradation: Degradation.RETRIEVAL_UNAVAILABLE, fallback: 'popular items (Rank: the given order)' },
  userState: { stage: 'features', degradation: Degradation.USER_STATE_UNAVAILABLE, fallback: 'features without user state (not personalised)' },
  catalog: { stage: 'features', degradation: Degradation.CATALOG_UNAVAILABLE, fallback: 'features and items without product details' },
  model: { stage: 'score', degradation: Degradation.MODEL_UNAVAILABLE, fallback: 'retrieval order' },
  rerank: { stage: 'rerank', degradation: Degradation.RERANK_UNAVAILABLE, fallback: 'model order without diversity or business rules' },
  catalogFallback: { stage: 'retrieve', degradation: Degradation.CATALOG_FALLBACK, fallback: "the catalog's most recently updated in-stock products" },
} as const satisfies Record<string, { stage: Stage; degradation: Degradation; fallback: string }>;

export type Failure = keyof typeof FAILURES;
export type FailureCause = 'error' | 'timeout' | 'unavailable';

export interface DegradationRecord {
  failure: Failure;
  stage: Stage;
  cause: FailureCause;
  degradation: Degradation;
  fallback: string;
  /** For logs only (never in the response): what went wrong. */
  detail?: string;
}

/** Whether an error is a timeout: an AppError DEADLINE_EXCEEDED, an AbortSignal timeout or a TimeoutError. */
export function failureCause(error: unknown): FailureCause {
  if (error instanceof AppError) return error.code === 'DEADLINE_EXCEEDED' ? 'timeout' : error.code === 'UNAVAILABLE' ? 'unavailable' : 'error';
  // By name, not instanceof: AbortSignal reasons are DOMExceptions, possibly from another realm.
  const name = typeof error === 'object' && error !== null && 'name' in error ? (error as { name: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'error';
}

/** What went wrong during one request, in the order it happened. */
export class DegradationReport {
  private readonly recorded: DegradationRecord[] = [];

  record(failure: Failure, cause: FailureCause, detail?: string): this {
    const { stage, degradation, fallback } = FAILURES[failure];
    if (!this.recorded.some((r) => r.failure === failure)) this.recorded.push({ failure, stage, cause, degradation, fallback, ...(detail !== undefined ? { detail } : {}) });
    return this;
  }

  /** Records a caught error, classifying timeouts. */
  recordError(failure: Failure, error: unknown): this {
    const message = typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : String(error);
    return this.record(failure, failureCause(error), message);
  }

  has(failure: Failure): boolean {
    return this.recorded.some((r) => r.failure === failure);
  }

  get records(): readonly DegradationRecord[] {
    return this.recorded;
  }

  /**
   * The response's `degraded` field: distinct values in enum order. RETRIEVAL_PARTIAL is left out
   * when retrieval failed entirely (the stronger flag says it all).
   */
  flags(): Degradation[] {
    const flags = new Set(this.recorded.map((r) => r.degradation));
    if (flags.has(Degradation.RETRIEVAL_UNAVAILABLE)) flags.delete(Degradation.RETRIEVAL_PARTIAL);
    return [...flags].sort((a, b) => a - b);
  }

  /** Metric labels, one per record: `{ stage, failure, cause }` for a counter such as ranking_degraded_total. */
  metricLabels(): { stage: Stage; failure: Failure; cause: FailureCause }[] {
    return this.recorded.map(({ stage, failure, cause }) => ({ stage, failure, cause }));
  }
}

/**
 * Runs an optional part: its result, or, if it throws or rejects, the fallback's, with the failure
 * recorded. Deadlines are the caller's (pass an AbortSignal into `attempt`); this only classifies
 * what comes back.
 */
export async function withFallback<T>(report: DegradationReport, failure: Failure, attempt: () => Promise<T> | T, fallback: () => T): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    report.recordError(failure, error);
    return fallback();
  }
}
