import type { Logger } from '@shopsense/observability';
import { CatalogSnapshot, type CatalogProduct, type ChangeOutcome } from '../domain/catalog/catalog-snapshot';
import { DictionaryBuilder } from '../domain/dictionaries/build-dictionaries';
import type { QueryDictionaries } from '../domain/dictionaries/query-dictionaries';
import { QueryParser } from '../domain/query-parser';
import type { TranslationEntry } from '../domain/dictionaries/translations';
import type { SynonymRule } from '../domain/synonyms/synonym-rules';
import type { TextAnalyzer } from '../domain/text/text-analyzer';
import { RebuildScheduler, type RebuildSchedulerOptions } from './rebuild-scheduler';

export type RebuildListener = (dictionaries: QueryDictionaries, products: readonly CatalogProduct[]) => void;

/**
 * Holds the catalog snapshot and the dictionaries built from it. Catalog changes update the
 * snapshot at once and schedule a debounced rebuild; the new dictionaries replace the old ones
 * in a single assignment, so a request parses with one consistent version, and queries keep
 * being answered during a rebuild. This is how dictionaries reload without a restart.
 */
export class QueryDictionaryStore {
  readonly snapshot = new CatalogSnapshot();
  private readonly builder: DictionaryBuilder;
  private readonly scheduler: RebuildScheduler;
  private readonly listeners: RebuildListener[] = [];
  private current: QueryParser;
  private builtFromVersion = -1;
  private synonymsVersion = 0;
  private version = 0;

  constructor(
    private readonly analyzer: TextAnalyzer,
    private readonly synonymRules: () => readonly SynonymRule[],
    scheduling: RebuildSchedulerOptions,
    private readonly logger: Logger,
    /** A Chinese–English dictionary for query translations (none: no translations). */
    private readonly translations: () => readonly TranslationEntry[] = () => [],
  ) {
    this.builder = new DictionaryBuilder(analyzer);
    this.scheduler = new RebuildScheduler(scheduling, () => this.rebuild());
    this.current = new QueryParser(analyzer, this.builder.build({ products: [], synonymRules: synonymRules(), version: 0 }));
  }

  /** The parser of the current dictionaries. */
  get parser(): QueryParser {
    return this.current;
  }

  get dictionaryVersion(): number {
    return this.current.dictionaryVersion;
  }

  onRebuilt(listener: RebuildListener): void {
    this.listeners.push(listener);
  }

  upsert(product: CatalogProduct): ChangeOutcome {
    const outcome = this.snapshot.upsert(product);
    if (outcome === 'applied') this.scheduler.schedule();
    return outcome;
  }

  delete(productId: string): ChangeOutcome {
    const outcome = this.snapshot.delete(productId);
    if (outcome === 'applied') this.scheduler.schedule();
    return outcome;
  }

  /** The synonyms file or the translations changed: rebuild even though the catalog did not. */
  synonymsChanged(): void {
    this.synonymsVersion++;
    this.scheduler.schedule();
  }

  /** Builds now whatever is pending (tests, and the first build after the replay). */
  flush(): Promise<void> {
    return this.scheduler.flush();
  }

  close(): void {
    this.scheduler.close();
  }

  private rebuild(): void {
    const catalogVersion = this.snapshot.version;
    const key = catalogVersion * 1_000_003 + this.synonymsVersion;
    if (key === this.builtFromVersion) return;
    const started = performance.now();
    const products = [...this.snapshot.values()];
    const dictionaries = this.builder.build({ products, synonymRules: this.synonymRules(), translations: this.translations(), version: ++this.version });
    this.current = new QueryParser(this.analyzer, dictionaries);
    this.builtFromVersion = key;
    this.logger.info({ version: dictionaries.version, ms: Math.round(performance.now() - started), ...dictionaries.stats }, 'query dictionaries rebuilt');
    for (const listener of this.listeners) {
      try {
        listener(dictionaries, products);
      } catch (error) {
        this.logger.error({ err: error }, 'dictionary rebuild listener failed');
      }
    }
  }
}
