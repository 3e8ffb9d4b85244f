import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { CatalogChange, CatalogChangeSchema, Product } from '@shopsense/contracts';
import { deadLetter, done, type EventBus, type HandlerOutcome, type Subscription, type TopicDefinition } from '@shopsense/events';
import type { Logger } from '@shopsense/observability';
import type { CatalogProduct } from '../domain/catalog/catalog-snapshot';
import type { QueryDictionaryStore } from './query-dictionary-store';

/**
 * Keeps the dictionary store in step with the catalog topic. Every instance reads the whole
 * compacted topic from the beginning under a consumer group of its own: each replica needs every
 * product (a shared group would split the partitions between replicas), and a restart must
 * replay the catalog because the snapshot lives in memory. Applying a change is idempotent, so
 * at-least-once delivery is safe.
 */
export class CatalogSync {
  private subscription: Subscription | undefined;
  private received = 0;

  constructor(
    private readonly bus: EventBus,
    private readonly topic: TopicDefinition<typeof CatalogChangeSchema>,
    private readonly store: QueryDictionaryStore,
    private readonly logger: Logger,
  ) {}

  /** Changes handled since start (upserts and deletes, applied or not). */
  get changesReceived(): number {
    return this.received;
  }

  async start(): Promise<void> {
    const groupId = `query-understanding.${hostname()}.${randomUUID()}`;
    this.subscription = await this.bus.subscribe(this.topic, { groupId, fromBeginning: true, handler: async (change) => this.handle(change) });
    this.logger.info({ topic: this.topic.name, group: groupId }, 'following the catalog');
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  handle(change: CatalogChange): HandlerOutcome {
    this.received++;
    const { change: body } = change;
    if (body.case === 'upsert') {
      const product = toCatalogProduct(body.value);
      if (typeof product === 'string') return deadLetter(product);
      this.store.upsert(product);
      return done;
    }
    if (body.case === 'delete') {
      if (body.value.productId === '') return deadLetter('delete without a product id');
      this.store.delete(body.value.productId);
      return done;
    }
    return deadLetter('CatalogChange has neither upsert nor delete');
  }
}

/** The fields query understanding needs, or why the product cannot be used. */
export function toCatalogProduct(product: Product): CatalogProduct | string {
  if (product.id === '') return 'upsert without a product id';
  if (product.title.trim() === '') return `product ${product.id} has no title`;
  return {
    id: product.id,
    title: product.title,
    brand: product.brand,
    categoryPath: product.categoryPath,
    attributes: product.attributes,
    updatedAtMs: product.updatedAt ? timestampMs(product.updatedAt) : 0,
  };
}
