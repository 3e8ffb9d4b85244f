import { create } from '@bufbuild/protobuf';
import { CorrectionMode, FiltersSchema, Language, ParsedQuerySchema, type ParsedQuery } from '@shopsense/contracts';
import type { UnderstandResult } from '../application/query-understanding.service';
import type { CorrectionMode as DomainCorrectionMode } from '../domain/query-parser';
import type { QueryLanguage } from '../domain/text/language';

const LANGUAGES: Record<QueryLanguage, Language> = { zh: Language.ZH, en: Language.EN, mixed: Language.MIXED, unknown: Language.UNKNOWN };
const CORRECTION_MODES: Record<DomainCorrectionMode, CorrectionMode> = { none: CorrectionMode.NONE, suggested: CorrectionMode.SUGGESTED, applied: CorrectionMode.APPLIED };

/** The domain result as the shopsense.query.v1.ParsedQuery message. */
export function toParsedQuery(result: UnderstandResult): ParsedQuery {
  const { filters } = result;
  return create(ParsedQuerySchema, {
    language: LANGUAGES[result.language],
    original: result.original,
    normalized: result.normalized,
    tokens: result.tokens,
    correctedQuery: result.correction.correctedQuery,
    correctionMode: CORRECTION_MODES[result.correction.mode],
    synonyms: result.synonyms,
    filters: create(FiltersSchema, {
      brands: filters.brands,
      attributes: filters.attributes,
      ...(filters.price ? { price: filters.price } : {}),
      ...(filters.inStock !== undefined ? { inStock: filters.inStock } : {}),
    }),
    boosts: result.boosts,
    categories: result.categories.map((c) => ({ categoryPath: c.path, probability: c.probability })),
    residualText: result.residualText,
  });
}
