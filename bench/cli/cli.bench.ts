/**
 * bench:cli — what the command-line tool costs before the server is asked anything: wall time
 * and CPU of `npx shopsense --help` and of a search against a port nothing listens on (the
 * whole client path: argument parsing, the generated contracts, grpc-js, one refused call),
 * beside a bare `node -e ''` and a bare `npx --version` measured in the same run.
 *
 *   npm run bench:cli          (BENCH_RUNS, default 10 per command)
 *
 * Writes docs/benchmarks.md; the last line printed is one JSON object (`cli_overhead_ms`: the
 * median of `npx shopsense --help` and `npx shopsense search`, whichever is slower; the CLI runs
 * from a bundle bin/shopsense.js builds on first use, so the warm-up run pays for that build).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineDescription, markdownTable, writeBenchmarkSection } from '../lib/benchmarks-doc';
import { percentile, round } from '../lib/stats';

const ROOT = join(__dirname, '../..');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 10);

interface Row {
  command: string;
  medianMs: number;
  p90Ms: number;
  cpuMs: number;
}

/** Runs `argv` RUNS times (after one warm-up); wall time and the children's CPU per run. */
function measure(label: string, argv: string[], okCodes: number[]): Row {
  const walls: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const cpuBefore = childrenCpuMs();
    const started = performance.now();
    const result = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SHOPSENSE_ADDR: '127.0.0.1:1' } });
    const wall = performance.now() - started;
    if (!okCodes.includes(result.status ?? -1)) throw new Error(`${label}: exit ${result.status}\n${result.stderr}`);
    if (i === 0) continue; // warm-up: file system caches
    walls.push(wall);
    cpu.push(childrenCpuMs() - cpuBefore);
  }
  return { command: label, medianMs: percentile(walls, 50), p90Ms: percentile(walls, 90), cpuMs: percentile(cpu, 50) };
}

/** CPU of every reaped child of this process so far, in ms (utime + stime of /proc/self/stat's cutime/cstime). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime, cstime (fields 16 and 17 of stat)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

function main(): void {
  const rows = [
    measure("node -e ''", [process.execPath, '-e', ''], [0]),
    measure('npx --version', ['npx', '--version'], [0]),
    measure('node bin/shopsense.js --help', [process.execPath, 'bin/shopsense.js', '--help'], [0]),
    measure('npx shopsense --help', ['npx', 'shopsense', '--help'], [0]),
    measure('npx shopsense search … (nothing listening: exit 2)', ['npx', 'shopsense', 'search', 'running shoes'], [2]),
  ];
  const byLabel = (prefix: string) => rows.find((r) => r.command.startsWith(prefix))!;
  const overhead = Math.max(byLabel('npx shopsense --help').medianMs, byLabel('npx shopsense search').medianMs);
  writeBenchmarkSection(
    'cli',
    `## Command-line tool start-up (\`npm run bench:cli\`)

Each command run ${RUNS} times after one warm-up, one after another; wall time from spawn to exit, and the CPU of the process tree per run. The search goes to a port nothing listens on, so it measures the client's own path (parsing, contracts, grpc-js, one refused call) and exits 2. Machine: ${machineDescription()}.

${markdownTable(['command', 'median ms', 'p90 ms', 'CPU ms per run'], rows.map((r) => [r.command, round(r.medianMs, 0), round(r.p90Ms, 0), round(r.cpuMs, 0)]))}

CLI overhead (the slower of \`npx shopsense --help\` and the search, median): **${round(overhead, 0)} ms** (target ≤ 1,000). Of \`npx shopsense --help\`, the CLI itself (its esbuild bundle, see bin/shopsense.js) is ${round(byLabel('node bin/shopsense.js').medianMs, 0)} ms and npx finding the checkout's bin the other ${round(byLabel('npx shopsense --help').medianMs - byLabel('node bin/shopsense.js').medianMs, 0)} ms (\`npx --version\` answers without reading the project); starting node is ${round(byLabel("node -e ''").medianMs, 0)} ms.`,
  );
  console.log(JSON.stringify({ cli_overhead_ms: round(overhead, 0), help_ms: round(byLabel('npx shopsense --help').medianMs, 0), search_ms: round(byLabel('npx shopsense search').medianMs, 0), npx_ms: round(byLabel('npx --version').medianMs, 0), node_ms: round(byLabel("node -e ''").medianMs, 0), cpu_ms_help: round(byLabel('npx shopsense --help').cpuMs, 0) }));
}

main();
