import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');

/** Hop budgets for standalone under test: the machine is shared with the broker and other tests, and the tests check results, not speed. */
export const GENEROUS_HOP_BUDGETS = {
  RANKING_QU_BUDGET_MS: '5000',
  RANKING_EMBEDDING_BUDGET_MS: '10000',
  RANKING_RETRIEVAL_BUDGET_MS: '10000',
  RANKING_CATALOG_BUDGET_MS: '10000',
  RANKING_USER_STATE_BUDGET_MS: '5000',
};

export interface StartedStandalone {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  stderr: () => string;
  /** The exit code, or the signal's name: npm re-raises the signal its script stopped on. */
  exited: Promise<number | string>;
}

/** `npm start` in its own process group (as in a terminal, where Ctrl-C reaches the whole group); resolves once it says READY. */
export async function npmStart(env: NodeJS.ProcessEnv): Promise<StartedStandalone> {
  const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout!.resume();
  const exited = new Promise<number | string>((done) => child.on('close', (code, signal) => done(code ?? signal ?? 'unknown')));
  const ports = await new Promise<{ port: number; metricsPort: number }>((ready, fail) => {
    const timer = setInterval(() => {
      const match = /ShopSense is ready on 127\.0\.0\.1:(\d+)/.exec(stderr);
      const metrics = /metrics +http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
      if (match && stderr.includes('READY')) {
        clearInterval(timer);
        ready({ port: Number(match[1]), metricsPort: Number(metrics?.[1] ?? 0) });
      }
    }, 200);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`npm start exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  return { child, ...ports, stderr: () => stderr, exited };
}

/** Sends a signal to the whole process group (SIGINT: Ctrl-C; SIGKILL: a crash); resolves when it is gone. */
export async function signalGroup(started: StartedStandalone, signal: NodeJS.Signals): Promise<number | string> {
  try {
    process.kill(-started.child.pid!, signal);
  } catch {
    // Already gone.
  }
  return started.exited;
}

export interface CliRun {
  /** The exit code (0 when it succeeded). */
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx shopsense <args>` from the checkout, as a user types it; never rejects (the exit code says how it went). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((done) => {
    execFile('npx', ['shopsense', ...args], { cwd: ROOT, env, timeout: timeoutMs }, (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}
