import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces the section between `<!-- kind:name:begin -->` and `<!-- kind:name:end -->` in a
 * Markdown file (or appends it), so generated results can live beside hand-written text.
 */
export function replaceMarkedSection(file: string, header: string, kind: string, name: string, markdown: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const begin = `<!-- ${kind}:${name}:begin -->`;
  const end = `<!-- ${kind}:${name}:end -->`;
  const section = `${begin}\n${markdown.trim()}\n${end}`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  const next = start >= 0 && stop > start ? text.slice(0, start) + section + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}
