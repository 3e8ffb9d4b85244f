import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const WORKSPACE_ROOT = resolve(__dirname, '../../..');

export interface TsProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first output line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  exited: Promise<number | string>;
}

/**
 * Runs a TypeScript file of the workspace in its own Node process (swc, tsconfig paths).
 * SHOPSENSE_CHILD_NODE_OPTIONS adds Node flags to every such child, e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` to profile the services a benchmark starts (NODE_OPTIONS refuses it).
 */
export function spawnTs(file: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): TsProcess {
  const nodeFlags = (process.env['SHOPSENSE_CHILD_NODE_OPTIONS'] ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, '-r', '@swc-node/register', resolve(WORKSPACE_ROOT, file), ...args], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: resolve(WORKSPACE_ROOT, 'tsconfig.base.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown')));

  const waitForLine = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<string>((resolveLine, reject) => {
      const check = () => {
        const line = buffer.split('\n').find((l) => pattern.test(l));
        if (line !== undefined) {
          cleanup();
          resolveLine(line);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output so far:\n${buffer}`));
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        reject(new Error(`process exited before printing ${pattern}; output:\n${buffer}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.removeListener('exit', onExit);
      };
      listeners.add(check);
      child.once('exit', onExit);
      check();
    });

  return { child, output: () => buffer, waitForLine, exited };
}
