/**
 * bench:startup — how long `npm start` takes to be ready: the first start on an empty data
 * folder (indexing the demo catalog; the model already fetched) and a warm restart from the same
 * folder, each measured from spawning `npm start` to its READY line, with the stop (Ctrl-C)
 * timed too. The ratio is warm / cold: a restart must not pay for indexing again.
 *
 *   npm run bench:startup            (SHOPSENSE_CATALOG_FILE to time another catalog)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { standaloneInferenceThreads } from '../../apps/standalone/src/inference-threads';

const ROOT = resolve(__dirname, '../..');

interface Run {
  readySeconds: number;
  stopSeconds: number;
  indexedProducts?: number;
}

async function startAndStop(dataDir: string): Promise<Run> {
  const started = process.hrtime.bigint();
  const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, SHOPSENSE_DATA_DIR: dataDir, SHOPSENSE_PORT: '0', SHOPSENSE_METRICS_PORT: '0' }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((done) => child.on('close', () => done())); // close: after stderr is drained
  await new Promise<void>((ready, fail) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (/^READY$/m.test(stderr)) ready();
    });
    void exited.then(() => fail(new Error(`npm start exited before READY:\n${stderr}`)));
  });
  const readySeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stopping = process.hrtime.bigint();
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  const stopSeconds = Number(process.hrtime.bigint() - stopping) / 1e9;
  if (!stderr.includes('Stopped.')) throw new Error(`npm start did not stop cleanly:\n${stderr}`);
  const indexed = /Indexed (\d+) products/.exec(stderr);
  return { readySeconds, stopSeconds, ...(indexed ? { indexedProducts: Number(indexed[1]) } : {}) };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  try {
    const cold = await startAndStop(dataDir);
    const warm = await startAndStop(dataDir);
    const record = JSON.parse(readFileSync(join(dataDir, 'catalog-import.json'), 'utf8')) as { accepted: number; seconds: number };
    const r = (x: number) => x.toFixed(1);
    const table = markdownTable(
      ['start', 'to READY (s)', 'of which indexing (s)', 'stop on Ctrl-C (s)'],
      [
        [`first, empty data folder (${record.accepted} products indexed)`, r(cold.readySeconds), r(record.seconds), r(cold.stopSeconds)],
        ['restart from the data folder', r(warm.readySeconds), '0 (not indexed again)', r(warm.stopSeconds)],
      ],
    );
    console.log(table);
    const ratio = warm.readySeconds / cold.readySeconds;
    writeBenchmarkSection(
      'startup',
      `## Standalone start (\`npm run bench:startup\`)\n\nMachine: ${machineDescription()}. From spawning \`npm start\` to its READY line (services up, catalog indexed, first searches warmed), model already fetched (a first-ever start also builds it: see scripts/model/README.md). The demo catalog is embedded with the FP32 model on CPU, on ${standaloneInferenceThreads(process.env)} inference thread(s) (standalone's default: cores − 1, at least one, leaving a core to the event loop).\n\n${table}\n\nWarm / cold: **${ratio.toFixed(3)}**.\n`,
    );
    console.log(JSON.stringify({ cold_ready_s: cold.readySeconds, warm_ready_s: warm.readySeconds, ratio, indexing_s: record.seconds, products: record.accepted, cold_stop_s: cold.stopSeconds, warm_stop_s: warm.stopSeconds }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
