import { toJson, type JsonValue } from '@bufbuild/protobuf';
import { Degradation, RankingService, SuggestionMatch, SuggestionSource, SuggestResponseSchema, type Suggestion } from '@shopsense/contracts';
import { connect, explainCallError, type ConnectionOptions } from './connection';
import type { Output } from './query-commands';
import { table } from './table';

const enumName = (names: Record<number, string>, value: number, prefix: string) => names[value]?.replace(prefix, '').toLowerCase() ?? String(value);

function how(suggestion: Suggestion): string {
  const match = enumName(SuggestionMatch, suggestion.match, 'SUGGESTION_MATCH_');
  return suggestion.match === SuggestionMatch.CORRECTED ? `${match} (${suggestion.edits} ${suggestion.edits === 1 ? 'edit' : 'edits'})` : match;
}

/** `shopsense suggest <prefix>`: what the search box would offer while the shopper types it. */
export async function suggest(prefix: string, limit: number, connection: ConnectionOptions, out: Output): Promise<void> {
  const client = connect(RankingService, connection);
  try {
    const response = await client.suggest({ prefix, limit }).catch((e: unknown) => Promise.reject(explainCallError(e, connection)));
    if (out.json) return out.write(JSON.stringify(toJson(SuggestResponseSchema, response) as JsonValue));
    const rows = response.suggestions.map((s, i) => [i + 1, s.text, s.productCount, how(s), s.sources.map((source) => enumName(SuggestionSource, source, 'SUGGESTION_SOURCE_')).join('+')]);
    const lines = [rows.length ? table(['#', 'suggestion', 'products', 'match', 'found in'], rows) : `no suggestions for "${prefix}": nothing in the catalog starts with it`];
    if (response.degraded.length) lines.push('', `degraded: ${response.degraded.map((d) => enumName(Degradation, d, 'DEGRADATION_')).join(', ')}`);
    out.write(lines.join('\n'));
  } finally {
    client.close();
  }
}
