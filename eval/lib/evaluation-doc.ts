import { join } from 'node:path';
import { replaceMarkedSection } from '../../tools/markdown-sections';

const HEADER = `# Evaluation

Quality on real data. Each section is written by its evaluation (\`npm run eval:<name>\`)
and replaced on every run; every table has a simple baseline on the same split.
`;

/** Replaces (or appends) the section of one evaluation in docs/evaluation.md. */
export function writeEvaluationSection(name: string, markdown: string): void {
  replaceMarkedSection(join(__dirname, '../../docs/evaluation.md'), HEADER, 'eval', name, markdown);
}
