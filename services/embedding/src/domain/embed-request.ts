import { FieldValidator } from '@shopsense/errors';

export interface EmbedLimits {
  maxTexts: number;
  maxTextChars: number;
}

/**
 * Checks an Embed request against the service limits, naming the first offending texts so a
 * caller can find them in a large batch. Any valid Unicode is taken, U+FFFD included (a real
 * character, found in real catalogs); bytes that are not UTF-8 never get this far: the request
 * fails to decode (protobuf-es checks proto3 strings) with INVALID_ARGUMENT.
 */
export function validateEmbedTexts(texts: readonly string[], limits: EmbedLimits): void {
  const validator = new FieldValidator()
    .check(texts.length > 0, 'texts', 'must contain at least one text')
    .check(texts.length <= limits.maxTexts, 'texts', `must contain at most ${limits.maxTexts} texts (got ${texts.length})`);
  let reported = 0;
  for (let i = 0; i < texts.length && reported < 5; i++) {
    const text = texts[i]!;
    const problem =
      text.trim().length === 0
        ? 'must not be empty'
        : text.length > limits.maxTextChars
          ? `must be at most ${limits.maxTextChars} characters (got ${text.length})`
          : undefined;
    if (problem) {
      validator.check(false, `texts[${i}]`, problem);
      reported++;
    }
  }
  validator.throwIfInvalid();
}
