import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@shopsense/errors';
import { validateEmbedTexts, type EmbedLimits } from '../domain/embed-request';
import { LruCache } from '@shopsense/caching';
import { normalizeForEmbedding } from '../domain/text-normalization';
import { DynamicBatcher, type BatcherOptions, type EmbedPriority } from './dynamic-batcher';
import { TEXT_ENCODER, type TextEncoder } from './text-encoder.port';

export type EmbeddingKind = 'query' | 'document';

export interface EmbeddingServiceOptions {
  limits: EmbedLimits;
  batcher: BatcherOptions;
  queryCacheSize: number;
}

export const EMBEDDING_SERVICE_OPTIONS = Symbol('EMBEDDING_SERVICE_OPTIONS');

export interface EmbedResult {
  vectors: Float32Array[];
  modelVersion: string;
  tokenCount: number;
}

/**
 * The Embed use case: validate, normalise, add the model's query/document prefix, answer
 * repeated queries from an LRU keyed by model version and normalised text, share a query that is
 * being computed for another caller right now (a Search embeds its query from ranking and from
 * query understanding at the same moment), and send the rest through the dynamic batcher.
 */
@Injectable()
export class EmbeddingApplicationService {
  private readonly batcher: DynamicBatcher;
  private readonly queryCache: LruCache<string, Float32Array>;
  /** Queries in the batcher now, by cache key: a second caller waits for the same vector. */
  private readonly inFlight = new Map<string, Promise<Float32Array>>();
  /** Texts with the tokenizer, not yet in the batcher's queue. */
  private tokenizing = 0;

  constructor(
    @Inject(TEXT_ENCODER) private readonly encoder: TextEncoder,
    @Inject(EMBEDDING_SERVICE_OPTIONS) private readonly options: EmbeddingServiceOptions,
  ) {
    this.batcher = new DynamicBatcher(options.batcher, (batch) => encoder.encode(batch));
    this.queryCache = new LruCache(options.queryCacheSize);
  }

  get modelVersion(): string {
    return this.encoder.manifest.version;
  }

  get batcherStats() {
    return { ...this.batcher.stats, queued: this.batcher.queued, cacheHits: this.queryCache.hits, cacheMisses: this.queryCache.misses };
  }

  async embed(texts: readonly string[], kind: EmbeddingKind, deadline: number, signal?: AbortSignal, priority: EmbedPriority = 'interactive'): Promise<EmbedResult> {
    validateEmbedTexts(texts, this.options.limits);
    const { manifest } = this.encoder;
    const prefix = kind === 'query' ? manifest.queryPrefix : manifest.documentPrefix;
    const normalized = texts.map(normalizeForEmbedding);
    const vectors: (Float32Array | undefined)[] = new Array(texts.length);
    const missing: number[] = [];
    normalized.forEach((text, i) => {
      const cached = kind === 'query' ? this.queryCache.get(this.cacheKey(text)) : undefined;
      if (cached) vectors[i] = cached;
      else missing.push(i);
    });
    const joined: { index: number; vector: Promise<Float32Array | undefined> }[] = [];
    const own: number[] = [];
    for (const i of missing) {
      const pending = kind === 'query' ? this.inFlight.get(this.cacheKey(normalized[i]!)) : undefined;
      if (pending) joined.push({ index: i, vector: pending.catch(() => undefined) });
      else own.push(i);
    }
    const work = { prefix, kind, deadline, signal, priority };
    const computing = this.compute(own, normalized, vectors, work);
    computing.catch(() => undefined); // awaited below, after the joined ones: its failure is not unhandled meanwhile
    // A shared computation that failed (its caller's deadline or cancellation) is redone for this caller.
    const redo: number[] = [];
    for (const { index, vector } of joined) {
      const value = await vector;
      if (value) vectors[index] = value;
      else redo.push(index);
    }
    const tokenCount = (await computing) + (await this.compute(redo, normalized, vectors, work));
    return { vectors: vectors as Float32Array[], modelVersion: manifest.version, tokenCount };
  }

  /** Embeds the texts at `indexes` into `vectors`; returns the tokens computed. */
  private async compute(
    indexes: number[],
    normalized: string[],
    vectors: (Float32Array | undefined)[],
    work: { prefix: string; kind: EmbeddingKind; deadline: number; signal: AbortSignal | undefined; priority: EmbedPriority },
  ): Promise<number> {
    if (indexes.length === 0) return 0;
    const { prefix, kind } = work;
    // Refused before tokenising: texts still with the tokenizer count against the queue bound.
    this.batcher.assertRoom(indexes.length, this.tokenizing);
    this.tokenizing += indexes.length;
    const tokenized = this.encoder
      .tokenize(indexes.map((i) => prefix + normalized[i]!))
      .catch((error: Error) => Promise.reject(new AppError('INTERNAL', `tokenization failed: ${error.message}`, { cause: error })))
      .finally(() => {
        this.tokenizing -= indexes.length;
      });
    const submitted = tokenized.then((sequences) => this.batcher.submit(sequences, work.deadline, work.signal, work.priority));
    // In flight from now, before anything is awaited: a second caller of the same query joins this computation.
    const keys = kind === 'query' ? indexes.map((i) => this.cacheKey(normalized[i]!)) : [];
    keys.forEach((key, j) => {
      if (this.inFlight.has(key)) return;
      const shared = submitted.then((computed) => computed[j]!);
      shared.catch(() => undefined); // handled by whoever joins; none may
      this.inFlight.set(key, shared);
    });
    try {
      const computed = await submitted;
      indexes.forEach((textIndex, j) => {
        vectors[textIndex] = computed[j]!;
        if (kind === 'query') this.queryCache.set(keys[j]!, computed[j]!);
      });
    } finally {
      for (const key of keys) this.inFlight.delete(key);
    }
    return (await tokenized).reduce((n, s) => n + s.length, 0);
  }

  /** Runs one small batch so the first real request does not pay for graph initialisation. */
  async warmUp(): Promise<void> {
    await this.encoder.encode(await this.encoder.tokenize(['warm up', '预热 模型']));
  }

  private cacheKey(normalizedText: string): string {
    return `${this.encoder.manifest.version}\u0000${normalizedText}`;
  }
}
