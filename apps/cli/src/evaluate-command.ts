import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from './connection';
import type { Output } from './query-commands';
import { table } from './table';

/** The checkout: the nearest folder above this file with the workspace's nx.json (the CLI also runs bundled, from .cache/cli/). */
function checkoutRoot(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'nx.json'))) return folder;
    if (dirname(folder) === folder) throw new CliError(`no ShopSense checkout above ${from}`);
  }
}

const ROOT = checkoutRoot(__dirname);

export function availableEvaluations(): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return Object.keys(scripts)
    .filter((s) => s.startsWith('eval:'))
    .map((s) => s.slice('eval:'.length));
}

/**
 * `shopsense evaluate <name>`: runs one of the evaluations on the shared datasets (`npm run
 * eval:<name>`, which starts what it needs itself) and prints its figures as a table.
 */
export async function evaluate(name: string | undefined, out: Output): Promise<void> {
  const known = availableEvaluations();
  if (!name || !known.includes(name)) throw new CliError(`usage: shopsense evaluate <${known.join('|')}>`);
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', `eval:${name}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new CliError(`eval:${name} failed (exit ${code})`))));
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  let figures: Record<string, unknown>;
  try {
    figures = JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new CliError(`eval:${name} did not end with a JSON line`);
  }
  if (out.json) return out.write(JSON.stringify(figures));
  const rows = Object.entries(figures)
    .filter(([, v]) => typeof v !== 'object' || v === null)
    .map(([k, v]) => [k, typeof v === 'number' ? String(Math.round(v * 10_000) / 10_000) : String(v)]);
  out.write(table(['figure', 'value'], rows));
}
