import { AppError } from '@shopsense/errors';
import { planBatches } from '../domain/batch-planner';

/** Interactive texts (someone waits for them) run before bulk ones (indexing, training). */
export type EmbedPriority = 'interactive' | 'bulk';

export interface BatcherOptions {
  maxBatchSize: number;
  /** Texts per batch of bulk work. On CPU one text costs about as much alone as in a batch, and
   *  an interactive text that arrives while a bulk batch runs waits for it: small bulk batches
   *  bound that wait (32 documents take ≈ 340 ms on two cores). */
  maxBulkBatchSize: number;
  /** Padded tokens per inference batch, bounding memory on long texts. */
  maxBatchTokens: number;
  /** Padded over real tokens per batch at most (see BatchLimits). */
  maxPaddingRatio: number;
  /** How long the first waiting text may wait for company before a batch runs anyway. */
  maxWaitMs: number;
  /** Texts waiting at most; beyond it requests are refused with RESOURCE_EXHAUSTED. */
  maxQueuedTexts: number;
}

export interface BatcherStats {
  batches: number;
  texts: number;
  droppedExpired: number;
  rejectedFull: number;
}

interface Pending {
  priority: EmbedPriority;
  tokens: number[];
  tokenCount: number;
  deadline: number;
  signal: AbortSignal | undefined;
  resolve: (vector: Float32Array) => void;
  reject: (error: AppError) => void;
}

/**
 * Packs texts from concurrent requests into inference batches. When idle, a batch runs when
 * enough texts wait or the oldest has waited `maxWaitMs`; while one runs (one at a time: the
 * runtime already uses every core) texts gather, and the next batch starts as soon as it ends.
 * Each batch is chosen afresh: interactive texts first, the oldest text of the lane always in
 * it (texts of similar length join it), so a query waits for at most the batch running when it
 * came. Texts whose deadline passed or whose caller went away are dropped before inference, and
 * a full queue refuses new work instead of growing without bound.
 */
export class DynamicBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  readonly stats: BatcherStats = { batches: 0, texts: 0, droppedExpired: 0, rejectedFull: 0 };

  constructor(
    private readonly options: BatcherOptions,
    private readonly run: (batch: number[][]) => Promise<Float32Array[]>,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /**
   * Throws RESOURCE_EXHAUSTED when `texts` more would pass the queue bound; `upstream` texts are
   * on their way to the queue already (being tokenised) and count as waiting.
   */
  assertRoom(texts: number, upstream = 0): void {
    const waiting = this.queue.length + upstream;
    if (waiting + texts <= this.options.maxQueuedTexts) return;
    this.stats.rejectedFull++;
    throw new AppError('RESOURCE_EXHAUSTED', `embedding queue is full (${waiting} texts waiting, limit ${this.options.maxQueuedTexts}); retry with backoff`);
  }

  /** Embeds the token sequences of one request; all are accepted or none is. */
  submit(sequences: readonly number[][], deadline: number, signal?: AbortSignal, priority: EmbedPriority = 'interactive'): Promise<Float32Array[]> {
    try {
      this.assertRoom(sequences.length);
    } catch (error) {
      return Promise.reject(error as AppError);
    }
    const results = sequences.map(
      (tokens) =>
        new Promise<Float32Array>((resolve, reject) => {
          this.queue.push({ priority, tokens, tokenCount: tokens.length, deadline, signal, resolve, reject });
        }),
    );
    this.schedule();
    return Promise.all(results);
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.options.maxBatchSize) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.drain();
    } else if (this.queue.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, this.options.maxWaitMs);
    }
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const live = this.takeLive();
        const batch = this.nextBatch(live);
        const chosen = new Set(batch);
        // The rest wait, in arrival order, ahead of what arrived during this batch.
        this.queue = live.filter((item) => !chosen.has(item)).concat(this.queue);
        if (batch.length > 0) await this.runBatch(batch);
      }
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /** The batch holding the oldest text of the first non-empty lane, planned over a window of that lane. */
  private nextBatch(live: readonly Pending[]): Pending[] {
    const interactive = live.filter((item) => item.priority === 'interactive');
    const lane = interactive.length > 0 ? interactive : live;
    const size = interactive.length > 0 ? this.options.maxBatchSize : this.options.maxBulkBatchSize;
    const oldest = lane[0];
    if (!oldest) return [];
    // A window of a few batches' worth, so that texts of similar length meet.
    const batches = planBatches(lane.slice(0, size * 4), { maxBatchSize: size, maxBatchTokens: this.options.maxBatchTokens, maxPaddingRatio: this.options.maxPaddingRatio });
    return batches.find((batch) => batch.includes(oldest)) ?? [oldest];
  }

  /** Removes and fails the texts nobody waits for any more; returns the rest. */
  private takeLive(): Pending[] {
    const now = Date.now();
    const live: Pending[] = [];
    for (const item of this.queue) {
      if (item.deadline <= now || item.signal?.aborted) {
        this.stats.droppedExpired++;
        item.reject(new AppError('DEADLINE_EXCEEDED', 'deadline passed while waiting for the model'));
      } else live.push(item);
    }
    this.queue = [];
    return live;
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const now = Date.now();
    const live = batch.filter((item) => {
      if (item.deadline > now && !item.signal?.aborted) return true;
      this.stats.droppedExpired++;
      item.reject(new AppError('DEADLINE_EXCEEDED', 'deadline passed while waiting for the model'));
      return false;
    });
    if (live.length === 0) return;
    try {
      const vectors = await this.run(live.map((item) => item.tokens));
      this.stats.batches++;
      this.stats.texts += live.length;
      live.forEach((item, i) => item.resolve(vectors[i]!));
    } catch (error) {
      const failure = new AppError('INTERNAL', `inference failed: ${(error as Error).message}`, { cause: error });
      for (const item of live) item.reject(failure);
    }
  }
}
