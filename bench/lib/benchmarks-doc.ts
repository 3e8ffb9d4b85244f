import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DOC = join(__dirname, '../../docs/benchmarks.md');
const HEADER = `# Benchmarks

Each section is written by its benchmark (\`npm run bench:<name>\`) and replaced on every run.
Numbers are from the machine named in the section; every benchmark compares against a
baseline measured in the same run, because these machines are noisy.
`;

/** Replaces (or appends) the section of one benchmark in docs/benchmarks.md. */
export function writeBenchmarkSection(name: string, markdown: string): void {
  const text = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const section = `${begin}\n${markdown.trim()}\n${end}`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  const next = start >= 0 && stop > start ? text.slice(0, start) + section + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(DOC, next);
}

export function machineDescription(): string {
  const os = require('node:os') as typeof import('node:os');
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
