import { normalizeQuery } from '../text/normalize-query';

/**
 * One synonym rule. `equivalent`: every phrase expands to every other. `one-way`: each `from`
 * phrase expands to the `to` phrases, not back ("tee => t-shirt": a t-shirt query should not
 * match every tee).
 */
export type SynonymRule = { kind: 'equivalent'; phrases: string[] } | { kind: 'one-way'; from: string[]; to: string[] };

export interface SynonymParseResult {
  rules: SynonymRule[];
  /** Lines that could not be read, 1-based, so an operator can fix the file. */
  problems: { line: number; problem: string }[];
}

/**
 * Parses the Solr-style synonyms format:
 *
 *     # comment
 *     headphones, earphones, 耳机          (equivalent)
 *     tee, tshirt => t-shirt               (one-way)
 *
 * Phrases are normalised like queries. A bad line is reported and skipped, never fatal: one typo
 * in a ConfigMap must not take the service down.
 */
export function parseSynonyms(text: string): SynonymParseResult {
  const rules: SynonymRule[] = [];
  const problems: SynonymParseResult['problems'] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const phrases = (part: string) => [...new Set(part.split(',').map((p) => normalizeQuery(p)).filter((p) => p.length > 0))];
    const arrow = line.split('=>');
    if (arrow.length > 2) {
      problems.push({ line: index + 1, problem: 'more than one "=>"' });
    } else if (arrow.length === 2) {
      const from = phrases(arrow[0]);
      const to = phrases(arrow[1]);
      if (from.length === 0 || to.length === 0) problems.push({ line: index + 1, problem: 'both sides of "=>" need a phrase' });
      else rules.push({ kind: 'one-way', from, to });
    } else {
      const group = phrases(line);
      if (group.length < 2) problems.push({ line: index + 1, problem: 'an equivalence needs at least two phrases separated by commas' });
      else rules.push({ kind: 'equivalent', phrases: group });
    }
  });
  return { rules, problems };
}

/** phrase → the phrases it expands to (itself excluded), from every rule together. */
export function expansionsOf(rules: readonly SynonymRule[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (from: string, to: string) => {
    if (from === to) return;
    let set = out.get(from);
    if (!set) out.set(from, (set = new Set()));
    set.add(to);
  };
  for (const rule of rules) {
    if (rule.kind === 'equivalent') for (const a of rule.phrases) for (const b of rule.phrases) add(a, b);
    else for (const a of rule.from) for (const b of rule.to) add(a, b);
  }
  return out;
}
