import type { MessageInitShape } from '@bufbuild/protobuf';
import { SuggestionMatch, SuggestionSource, type QueryUnderstandingService, type SuggestionSchema } from '@shopsense/contracts';
import { FieldValidator } from '@shopsense/errors';
import type { CallContext, ServiceImplementation } from '@shopsense/grpc';
import { DEFAULT_SUGGESTIONS, type QuerySuggestions } from '../application/query-suggestions';
import type { QueryUnderstandingApplicationService } from '../application/query-understanding.service';
import type { Suggestion, SuggestionMatch as Match } from '../domain/suggest/suggestion-index';
import type { PhraseSource } from '../domain/suggest/suggestion-phrases';
import { toParsedQuery } from './parsed-query.mapper';

/** Field limits of CompleteRequest (query.proto). */
export const COMPLETE_LIMITS = { prefixChars: 128, suggestions: 20 } as const;

const MATCHES: Record<Match, SuggestionMatch> = {
  prefix: SuggestionMatch.PREFIX,
  infix: SuggestionMatch.INFIX,
  pinyin: SuggestionMatch.PINYIN,
  initials: SuggestionMatch.PINYIN_INITIALS,
  corrected: SuggestionMatch.CORRECTED,
};
const SOURCES: Record<PhraseSource, SuggestionSource> = { category: SuggestionSource.CATEGORY, brand: SuggestionSource.BRAND, title: SuggestionSource.TITLE };

export function toSuggestionMessage(suggestion: Suggestion): MessageInitShape<typeof SuggestionSchema> {
  return { text: suggestion.text, productCount: suggestion.products, sources: suggestion.sources.map((s) => SOURCES[s]), match: MATCHES[suggestion.match], edits: suggestion.edits };
}

/** gRPC transport of query understanding: decode, validate, call the use case, encode. Errors map in libs/grpc. */
export class QueryUnderstandingGrpcController {
  constructor(
    private readonly understanding: QueryUnderstandingApplicationService,
    private readonly suggestions: QuerySuggestions,
  ) {}

  implementation(): ServiceImplementation<typeof QueryUnderstandingService> {
    return {
      understand: async (request, context: CallContext) => ({
        parsed: toParsedQuery(await this.understanding.understand(request.query, request.localeHint, { signal: context.signal, ...(context.deadline ? { deadline: context.deadline } : {}) })),
      }),
      complete: (request) => {
        new FieldValidator()
          .required(request.prefix, 'prefix')
          .check([...request.prefix].length <= COMPLETE_LIMITS.prefixChars, 'prefix', `must be at most ${COMPLETE_LIMITS.prefixChars} characters`)
          .range(request.limit, 0, COMPLETE_LIMITS.suggestions, 'limit')
          .throwIfInvalid();
        return { suggestions: this.suggestions.suggest(request.prefix, request.limit || DEFAULT_SUGGESTIONS).map(toSuggestionMessage) };
      },
    };
  }
}
