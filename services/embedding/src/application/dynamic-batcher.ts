import { AppError } from '@shopsense/errors';
import { planBatches } from '../domain/batch-planner';

export interface BatcherOptions {
  maxBatchSize: number;
  /** Padded tokens per inference batch, bounding memory on long texts. */
  maxBatchTokens: number;
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
  tokens: number[];
  tokenCount: number;
  deadline: number;
  signal: AbortSignal | undefined;
  resolve: (vector: Float32Array) => void;
  reject: (error: AppError) => void;
}

/**
 * Packs texts from concurrent requests into inference batches. A batch runs when enough texts
 * wait or the oldest has waited `maxWaitMs`; one batch runs at a time (the runtime already
 * uses every core), texts whose deadline passed or whose caller went away are dropped before
 * inference, and a full queue refuses new work instead of growing without bound.
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

  /** Embeds the token sequences of one request; all are accepted or none is. */
  submit(sequences: readonly number[][], deadline: number, signal?: AbortSignal): Promise<Float32Array[]> {
    if (this.queue.length + sequences.length > this.options.maxQueuedTexts) {
      this.stats.rejectedFull++;
      return Promise.reject(new AppError('RESOURCE_EXHAUSTED', `embedding queue is full (${this.queue.length} texts waiting, limit ${this.options.maxQueuedTexts}); retry with backoff`));
    }
    const results = sequences.map(
      (tokens) =>
        new Promise<Float32Array>((resolve, reject) => {
          this.queue.push({ tokens, tokenCount: tokens.length, deadline, signal, resolve, reject });
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
        // Plan over a window of a few batches' worth so similar lengths meet, oldest first.
        const window = live.slice(0, this.options.maxBatchSize * 4);
        this.queue = live.slice(window.length).concat(this.queue);
        for (const batch of planBatches(window, this.options.maxBatchSize, this.options.maxBatchTokens)) {
          await this.runBatch(batch);
        }
        if (this.queue.length > 0 && this.queue.length < this.options.maxBatchSize) break;
      }
    } finally {
      this.running = false;
      this.schedule();
    }
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
