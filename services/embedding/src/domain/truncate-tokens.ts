/**
 * Token ids cut to the model's maximum length. The content is cut; a closing special token
 * ([SEP], </s>) stays last, as the model saw every sequence in training.
 */
export function truncateTokens(ids: readonly number[], maxLength: number, specialIds: ReadonlySet<number>): number[] {
  if (ids.length <= maxLength) return [...ids];
  const last = ids[ids.length - 1]!;
  return specialIds.has(last) ? [...ids.slice(0, maxLength - 1), last] : ids.slice(0, maxLength);
}
