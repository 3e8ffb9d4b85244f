import { Inject, Injectable } from '@nestjs/common';
import { validateEmbedTexts, type EmbedLimits } from '../domain/embed-request';
import { LruCache } from '@shopsense/caching';
import { normalizeForEmbedding } from '../domain/text-normalization';
import { DynamicBatcher, type BatcherOptions } from './dynamic-batcher';
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
 * repeated queries from an LRU keyed by model version and normalised text, and send the rest
 * through the dynamic batcher.
 */
@Injectable()
export class EmbeddingApplicationService {
  private readonly batcher: DynamicBatcher;
  private readonly queryCache: LruCache<string, Float32Array>;

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

  async embed(texts: readonly string[], kind: EmbeddingKind, deadline: number, signal?: AbortSignal): Promise<EmbedResult> {
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
    let tokenCount = 0;
    if (missing.length > 0) {
      const sequences = missing.map((i) => this.encoder.tokenize(prefix + normalized[i]!));
      tokenCount = sequences.reduce((n, s) => n + s.length, 0);
      const computed = await this.batcher.submit(sequences, deadline, signal);
      missing.forEach((textIndex, j) => {
        vectors[textIndex] = computed[j]!;
        if (kind === 'query') this.queryCache.set(this.cacheKey(normalized[textIndex]!), computed[j]!);
      });
    }
    return { vectors: vectors as Float32Array[], modelVersion: manifest.version, tokenCount };
  }

  /** Runs one small batch so the first real request does not pay for graph initialisation. */
  async warmUp(): Promise<void> {
    await this.encoder.encode([this.encoder.tokenize('warm up'), this.encoder.tokenize('预热 模型')]);
  }

  private cacheKey(normalizedText: string): string {
    return `${this.encoder.manifest.version}\u0000${normalizedText}`;
  }
}
