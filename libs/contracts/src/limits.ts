/**
 * Limits of RetrievalService.Retrieve that its callers keep to as well. Retrieval refuses a
 * request past them; ranking builds that request from a public Search, so it trims what it
 * forwards (expansions, the candidate limit) and refuses a Search that asks for more facets than
 * retrieval takes. Declared once, here beside the contracts, so the two services cannot drift apart.
 */
export const RETRIEVE_LIMITS = {
  /** Candidates one Retrieve answers at most (`limit`). */
  maxLimit: 1_000,
  /** `lexical_expansions`: how many, and the characters of each. */
  maxExpansions: 32,
  maxExpansionChars: 256,
  /** `facets`: how many, the values each lists, the price ranges each asks for. */
  maxFacets: 10,
  maxFacetValues: 100,
  maxPriceRanges: 20,
} as const;
