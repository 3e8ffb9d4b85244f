import { join } from 'node:path';
import { replaceMarkedSection } from '../../tools/markdown-sections';

const DOC = join(__dirname, '../../docs/benchmarks.md');
const HEADER = `# Benchmarks

Each section is written by its benchmark (\`npm run bench:<name>\`) and replaced on every run.
Numbers are from the machine named in the section; every benchmark compares against a
baseline measured in the same run, because these machines are noisy.
`;

/** Replaces (or appends) the section of one benchmark in docs/benchmarks.md. */
export function writeBenchmarkSection(name: string, markdown: string): void {
  replaceMarkedSection(DOC, HEADER, 'bench', name, markdown);
}

export function machineDescription(): string {
  const os = require('node:os') as typeof import('node:os');
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
