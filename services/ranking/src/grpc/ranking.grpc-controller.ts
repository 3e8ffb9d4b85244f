import { timestampNow } from '@bufbuild/protobuf/wkt';
import { ExperimentMetric, RETRIEVE_LIMITS, SortOrder, type ExperimentService, type FacetRequest, type Filters, type RankingService } from '@shopsense/contracts';
import { AppError, FieldValidator } from '@shopsense/errors';
import type { ServiceImplementation } from '@shopsense/grpc';
import type { RankingApplicationService } from '../application/ranking.service';
import { experimentResults, MAX_PAGE_TOKEN_LENGTH, type ExperimentsConfig, type VariantCounts } from '../domain';

/** Field limits of ranking.proto. */
export const LIMITS = { facets: RETRIEVE_LIMITS.maxFacets, facetValues: RETRIEVE_LIMITS.maxFacetValues, priceRanges: RETRIEVE_LIMITS.maxPriceRanges, suggestPrefixChars: 128, suggestions: 20, queryChars: 512, idChars: 256, channelChars: 64, localeChars: 35, pageSize: 100, recommendLimit: 100, cartItems: 100, rankItems: 500, filterValues: 100, filterValueChars: 256 } as const;

/** The code points of a string, as proto comments count "characters". */
const chars = (s: string) => [...s].length;

function validateCommon(v: FieldValidator, r: { userId: string; sessionId: string; channel: string }): void {
  v.check(chars(r.userId) <= LIMITS.idChars, 'user_id', `must be at most ${LIMITS.idChars} characters`)
    .check(chars(r.sessionId) <= LIMITS.idChars, 'session_id', `must be at most ${LIMITS.idChars} characters`)
    .check(chars(r.channel) <= LIMITS.channelChars, 'channel', `must be at most ${LIMITS.channelChars} characters`);
}

function validateFilters(v: FieldValidator, f: Filters | undefined): void {
  if (!f) return;
  v.check(f.brands.length <= LIMITS.filterValues, 'filters.brands', `at most ${LIMITS.filterValues} brands`);
  v.check(Object.keys(f.attributes).length <= LIMITS.filterValues, 'filters.attributes', `at most ${LIMITS.filterValues} attributes`);
  // Every value a filter holds is bounded: a 5 MB brand used to reach retrieval and come back a degraded empty page.
  const tooLong = (value: string) => chars(value) > LIMITS.filterValueChars;
  const within = `must be at most ${LIMITS.filterValueChars} characters`;
  v.check(!tooLong(f.categoryPath), 'filters.category_path', within);
  f.brands.forEach((brand, i) => v.check(!tooLong(brand), `filters.brands[${i}]`, within));
  for (const [name, value] of Object.entries(f.attributes)) v.check(!tooLong(name) && !tooLong(value), `filters.attributes[${tooLong(name) ? name.slice(0, 32) + '…' : name}]`, `name and value ${within}`);
  const { min, max } = f.price ?? {};
  if (min !== undefined) v.check(Number.isFinite(min) && min >= 0, 'filters.price.min', 'must be a non-negative number');
  if (max !== undefined) v.check(Number.isFinite(max) && max >= 0, 'filters.price.max', 'must be a non-negative number');
  if (min !== undefined && max !== undefined) v.check(min <= max, 'filters.price', 'min must not exceed max');
}

const FACET_FIELD = /^(brand|category_path|price|in_stock|attributes\..+)$/;

function validateFacets(v: FieldValidator, facets: readonly FacetRequest[]): void {
  v.check(facets.length <= LIMITS.facets, 'facets', `at most ${LIMITS.facets}`);
  facets.forEach((facet, i) => {
    v.check(FACET_FIELD.test(facet.field), `facets[${i}].field`, 'must be brand, category_path, price, in_stock or attributes.<name>')
      .range(facet.maxValues, 0, LIMITS.facetValues, `facets[${i}].max_values`)
      .check(facet.priceRanges.length <= LIMITS.priceRanges, `facets[${i}].price_ranges`, `at most ${LIMITS.priceRanges}`);
    facet.priceRanges.forEach(({ min, max }, j) => {
      const bound = (x: number | undefined) => x === undefined || (Number.isFinite(x) && x >= 0);
      v.check((min !== undefined || max !== undefined) && bound(min) && bound(max) && (min === undefined || max === undefined || min < max), `facets[${i}].price_ranges[${j}]`, 'needs a bound; bounds must be non-negative numbers with min < max');
    });
  });
}

/** gRPC transport of RankingService: validation, then the use case. */
export function rankingGrpcImplementation(service: RankingApplicationService): ServiceImplementation<typeof RankingService> {
  return {
    async search(request, context) {
      const v = new FieldValidator();
      v.check(request.query.trim().length > 0, 'query', 'is required')
        .check(chars(request.query) <= LIMITS.queryChars, 'query', `must be at most ${LIMITS.queryChars} characters`)
        .range(request.pageSize, 0, LIMITS.pageSize, 'page_size')
        .check(request.pageToken.length <= MAX_PAGE_TOKEN_LENGTH, 'page_token', `must be at most ${MAX_PAGE_TOKEN_LENGTH} characters`)
        .check(chars(request.localeHint) <= LIMITS.localeChars, 'locale_hint', `must be at most ${LIMITS.localeChars} characters`);
      validateCommon(v, request);
      validateFilters(v, request.filters);
      validateFacets(v, request.facets);
      v.check(SortOrder[request.sort] !== undefined, 'sort', 'must be one of the SortOrder values');
      v.throwIfInvalid();
      return service.search(request, { requestId: context.requestId, signal: context.signal });
    },
    async recommend(request, context) {
      const v = new FieldValidator();
      v.range(request.limit, 0, LIMITS.recommendLimit, 'limit');
      if (request.context.case === 'item') {
        const id = request.context.value.itemId;
        v.check(id.length > 0, 'item.item_id', 'is required').check(chars(id) <= LIMITS.idChars, 'item.item_id', `must be at most ${LIMITS.idChars} characters`);
      }
      if (request.context.case === 'cart') {
        const ids = request.context.value.itemIds;
        v.check(ids.length >= 1 && ids.length <= LIMITS.cartItems, 'cart.item_ids', `must list 1 to ${LIMITS.cartItems} items`).check(
          ids.every((id) => id.length > 0 && chars(id) <= LIMITS.idChars),
          'cart.item_ids',
          `each id must be 1 to ${LIMITS.idChars} characters`,
        );
      }
      validateCommon(v, request);
      validateFilters(v, request.filters);
      v.throwIfInvalid();
      return service.recommend(request, { requestId: context.requestId, signal: context.signal });
    },
    async rank(request, context) {
      const v = new FieldValidator();
      v.check(request.itemIds.length >= 1 && request.itemIds.length <= LIMITS.rankItems, 'item_ids', `must list 1 to ${LIMITS.rankItems} items`)
        .check(new Set(request.itemIds).size === request.itemIds.length, 'item_ids', 'must not contain duplicates')
        .check(
          request.itemIds.every((id) => id.length > 0 && chars(id) <= LIMITS.idChars),
          'item_ids',
          `each id must be 1 to ${LIMITS.idChars} characters`,
        )
        .check(chars(request.query ?? '') <= LIMITS.queryChars, 'query', `must be at most ${LIMITS.queryChars} characters`);
      validateCommon(v, request);
      v.throwIfInvalid();
      return service.rank(request, { requestId: context.requestId, signal: context.signal });
    },
    async suggest(request, context) {
      new FieldValidator()
        .required(request.prefix, 'prefix')
        .check(chars(request.prefix) <= LIMITS.suggestPrefixChars, 'prefix', `must be at most ${LIMITS.suggestPrefixChars} characters`)
        .range(request.limit, 0, LIMITS.suggestions, 'limit')
        .throwIfInvalid();
      return service.suggest(request, { requestId: context.requestId, signal: context.signal });
    },
  };
}

/**
 * gRPC transport of ExperimentService. Results come from `counts` (the online trainer's tally of
 * training examples); without a training source (RANKING_EVENT_BUS=none) GetResults is
 * UNIMPLEMENTED rather than answering with numbers that are not there.
 */
export function experimentGrpcImplementation(experiments: () => ExperimentsConfig, counts: ((experiment: string) => VariantCounts[]) | undefined): ServiceImplementation<typeof ExperimentService> {
  return {
    getResults(request) {
      const v = new FieldValidator();
      v.check(request.experiment.length > 0, 'experiment', 'is required');
      if (request.confidenceLevel !== 0) v.check(request.confidenceLevel > 0 && request.confidenceLevel < 1, 'confidence_level', 'must be in (0, 1)');
      v.throwIfInvalid();
      const experiment = experiments().experiments.find((e) => e.name === request.experiment);
      if (!experiment) throw AppError.notFound(`experiment ${request.experiment}`);
      if (!counts) throw AppError.unimplemented('shopsense.experiments.v1.ExperimentService/GetResults without a training-example source (set RANKING_EVENT_BUS=kafka)');
      const tallied = new Map(counts(experiment.name).map((c) => [c.variant, c]));
      const all = experiment.variants.map((variant) => tallied.get(variant.name) ?? { variant: variant.name, exposures: 0, clicks: 0, conversions: 0 });
      const level = request.confidenceLevel || 0.95;
      const results = experimentResults(all, { control: experiment.control, confidenceLevel: level });
      return {
        experiment: experiment.name,
        variants: results.variants.map((r) => ({
          variant: r.variant,
          exposures: BigInt(r.exposures),
          clicks: BigInt(r.clicks),
          conversions: BigInt(r.conversions),
          clickRate: r.clickRate,
          conversionRate: r.conversionRate,
          clickRateCi: r.clickRateCi,
          conversionRateCi: r.conversionRateCi,
        })),
        comparisons: results.comparisons.map((c) => ({ control: c.control, treatment: c.treatment, metric: c.metric === 'click_rate' ? ExperimentMetric.CLICK_RATE : ExperimentMetric.CONVERSION_RATE, difference: c.difference, z: c.z, pValue: c.pValue, significant: c.significant, differenceCi: c.differenceCi })),
        computedAt: timestampNow(),
      };
    },
    listExperiments() {
      return {
        experiments: experiments().experiments.map((e) => ({
          name: e.name,
          description: e.description,
          controlVariant: e.control,
          variants: e.variants.map((variant) => ({ name: variant.name, weight: variant.share })),
          active: e.active,
          surfaces: e.surfaces,
        })),
      };
    },
  };
}
