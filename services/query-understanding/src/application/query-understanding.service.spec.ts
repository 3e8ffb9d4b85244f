import { fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { CorrectionMode, ParsedQuerySchema, type ParsedQuery } from '@shopsense/contracts';
import { AppError } from '@shopsense/errors';
import { createLogger } from '@shopsense/observability';
import { analyzer, demoCatalog } from '../../test/catalog.factory';
import { FakeEmbedder } from '../../test/fake-embedder';
import { parseSynonyms } from '../domain/synonyms/synonym-rules';
import { DEFAULT_SYNONYMS } from '../domain/synonyms/default-synonyms';
import { toParsedQuery } from '../grpc/parsed-query.mapper';
import { CategoryPredictor } from './category-predictor';
import { QueryDictionaryStore } from './query-dictionary-store';
import { categoryBudgetMs, QueryUnderstandingApplicationService } from './query-understanding.service';

const logger = createLogger('test', 'silent');
const MAX = 512;

async function serviceWith(products = demoCatalog(), embedder?: FakeEmbedder) {
  const store = new QueryDictionaryStore(analyzer(), () => parseSynonyms(DEFAULT_SYNONYMS).rules, { quietMs: 60_000, maxDelayMs: 60_000 }, logger);
  for (const product of products) store.upsert(product);
  await store.flush();
  store.close();
  const predictor = embedder && new CategoryPredictor(embedder, { topK: 3, maxDepth: 3, minProducts: 3, trainingCallTimeoutMs: 1_000, trainingBatchSize: 256, maxCalibrationSamples: 200, retryDelayMs: 60_000 }, logger);
  if (predictor) await predictor.retrain(products);
  const degraded: string[] = [];
  const service = new QueryUnderstandingApplicationService(store, predictor, { maxQueryChars: MAX, categoryTimeoutMs: 20, deadlineReserveMs: 5, categoryTopK: 3 }, logger, (reason) => degraded.push(reason));
  return { service, degraded, predictor };
}

/** The rules ParsedQuery must keep, from the proto comments (Filters validation included). */
function expectValid(parsed: ParsedQuery): void {
  const roundTrip = fromBinary(ParsedQuerySchema, toBinary(ParsedQuerySchema, parsed));
  expect(roundTrip.normalized).toBe(parsed.normalized);
  const filters = parsed.filters!;
  expect(filters.brands.length).toBeLessThanOrEqual(20);
  expect(Object.keys(filters.attributes).length).toBeLessThanOrEqual(20);
  for (const text of [...filters.brands, ...Object.keys(filters.attributes), ...Object.values(filters.attributes), filters.categoryPath]) expect(text.length).toBeLessThanOrEqual(256);
  const { min, max } = filters.price ?? {};
  for (const bound of [min, max]) if (bound !== undefined) expect(Number.isFinite(bound) && bound >= 0).toBe(true);
  if (min !== undefined && max !== undefined) expect(min).toBeLessThanOrEqual(max);
  expect(parsed.correctionMode === CorrectionMode.NONE).toBe(parsed.correctedQuery === '');
  for (const boost of parsed.boosts) expect(boost.weight >= 0 && boost.weight <= 1).toBe(true);
  for (const c of parsed.categories) expect(c.probability >= 0 && c.probability <= 1).toBe(true);
  // What retrieval searches for is made of what was typed (or of the applied correction).
  const source = parsed.correctionMode === CorrectionMode.APPLIED ? parsed.correctedQuery : parsed.normalized;
  for (const word of parsed.residualText.split(' ').filter(Boolean)) expect(source).toContain(word);
}

/** Query-like text: catalog words, prices, cues and noise in both languages, glued every which way. */
const queryLike = fc
  .array(
    fc.oneof(
      fc.constantFrom('nike', '耐克', 'running', 'shoes', '跑鞋', 'under', '$50', '100元以下', '200到300元', 'size', '42', '码', 'red', '红色', '女款', 'cheap', '便宜', 'apple', 'nkie', 'runing', '$', '-', '~', '以下', 'between', 'and', "men's", 'in stock', '¥', '.', ',', '０１２', 'ＸＬ'),
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.integer({ min: 0, max: 1e6 }).map(String),
    ),
    { maxLength: 40 },
  )
  .chain((parts) => fc.constantFrom(' ', '', '  ', '\t').map((separator) => parts.join(separator).slice(0, MAX)));

describe('QueryUnderstandingApplicationService', () => {
  let subject: Awaited<ReturnType<typeof serviceWith>>;
  beforeAll(async () => {
    subject = await serviceWith();
  });

  it('never throws on any string up to the limit, and always gives a valid ParsedQuery', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: MAX }), fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => [...s].slice(0, MAX).join('')), queryLike), async (query) => {
        expectValid(toParsedQuery(await subject.service.understand(query, '')));
      }),
      { numRuns: 1500 },
    );
  });

  it('counts characters, not UTF-16 units: 512 astral characters are within the limit', async () => {
    const query = '𠀀'.repeat(MAX);
    expect(query.length).toBe(2 * MAX);
    expectValid(toParsedQuery(await subject.service.understand(query, '')));
  });

  it('rejects an over-long query with INVALID_ARGUMENT naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', minLength: MAX + 1, maxLength: MAX + 200 }), async (query) => {
        const error = await subject.service.understand(query, '').then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe('INVALID_ARGUMENT');
        expect((error as AppError).fieldViolations.map((v) => v.field)).toEqual(['query']);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects a malformed or over-long locale hint, and accepts the usual ones', async () => {
    for (const hint of ['zh-CN', 'en', 'zh_CN', 'zh-Hant-TW', '']) await expect(subject.service.understand('shoes', hint)).resolves.toBeDefined();
    for (const hint of ['!!', 'zh CN', 'x'.repeat(36)]) await expect(subject.service.understand('shoes', hint)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', fieldViolations: [expect.objectContaining({ field: 'locale_hint' })] });
  });

  it('answers an empty query with an empty ParsedQuery', async () => {
    const parsed = toParsedQuery(await subject.service.understand('', ''));
    expect(parsed).toMatchObject({ original: '', normalized: '', tokens: [], residualText: '', correctionMode: CorrectionMode.NONE, categories: [] });
  });
});

describe('category prediction on the request path', () => {
  it('adds categories when the model answers', async () => {
    const { service } = await serviceWith(demoCatalog(), new FakeEmbedder());
    const result = await service.understand('nike running shoes', '');
    expect(result.categories.length).toBeGreaterThan(0);
    expect(result.categories[0]!.path.startsWith('Shoes')).toBe(true);
  });

  it('embeds the query exactly as typed, the text the ranker embeds for retrieval, so the model runs once per search', async () => {
    const embedder = new FakeEmbedder();
    const { service } = await serviceWith(demoCatalog(), embedder);
    embedder.calls = [];
    await service.understand('Cheap RED Nike running shoes under $50', '');
    expect(embedder.calls).toEqual([{ texts: ['Cheap RED Nike running shoes under $50'], kind: 'query', priority: undefined }]);
  });

  it('answers without categories, never an error, when the embedder fails or times out, and says so', async () => {
    const embedder = new FakeEmbedder();
    const { service, degraded } = await serviceWith(demoCatalog(), embedder);
    embedder.failWith = new AppError('UNAVAILABLE', 'embedding service down');
    const failed = await service.understand('nike running shoes under $50', '');
    expect(failed.categories).toEqual([]);
    expect(failed.filters.brands).toEqual(['Nike']);
    embedder.failWith = undefined;
    embedder.hang = true;
    const started = Date.now();
    const slow = await service.understand('nike running shoes', '');
    expect(slow.categories).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(degraded).toEqual(['category_prediction_failed', 'category_prediction_failed']);
  });

  it('leaves the model only what the caller\'s deadline allows, and skips it when nothing is left, keeping the rules\' filters', async () => {
    const embedder = new FakeEmbedder();
    const { service, degraded } = await serviceWith(demoCatalog(), embedder);
    embedder.calls = [];
    // Already past the reserve: answered at once from the rules, the model never asked.
    const late = await service.understand('nike running shoes under $50', '', { deadline: new Date(Date.now() + 3) });
    expect(late.categories).toEqual([]);
    expect(late.filters.brands).toEqual(['Nike']);
    expect(late.filters.price?.max).toBe(50);
    expect(embedder.calls).toEqual([]);
    expect(degraded).toEqual(['category_prediction_skipped']);
    // Time enough: categories as usual.
    const inTime = await service.understand('nike running shoes', '', { deadline: new Date(Date.now() + 10_000) });
    expect(inTime.categories.length).toBeGreaterThan(0);
  });

  it('does not call the model for a query with no product words', async () => {
    const embedder = new FakeEmbedder();
    const { service } = await serviceWith(demoCatalog(), embedder);
    embedder.calls = [];
    await service.understand('under $50', '');
    await service.understand('', '');
    expect(embedder.calls).toEqual([]);
  });
});

describe('categoryBudgetMs', () => {
  const options = { categoryTimeoutMs: 150, deadlineReserveMs: 30 };
  it('is the configured budget without a deadline, and what the deadline leaves less the reserve with one', () => {
    expect(categoryBudgetMs(options, 1_000)).toBe(150);
    expect(categoryBudgetMs(options, 1_000, new Date(1_000 + 1_000))).toBe(150);
    expect(categoryBudgetMs(options, 1_000, new Date(1_000 + 130))).toBe(100);
    expect(categoryBudgetMs(options, 1_000, new Date(1_000 + 20))).toBeLessThanOrEqual(0);
  });
});
