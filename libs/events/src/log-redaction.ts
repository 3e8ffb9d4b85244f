/**
 * A dead-letter reason as it may appear in logs. Decoder messages quote the offending values
 * ("cannot decode field …userId from JSON: 12345"), which can be user ids or free text; logs
 * must carry neither, so quoted strings and values after a colon are masked. The full reason
 * stays in the dead-letter record's headers, where access is restricted.
 */
export function reasonForLog(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  return reason
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/(from JSON|value|got):\s*[^,;)]+/gi, '$1: …')
    .slice(0, 300);
}
