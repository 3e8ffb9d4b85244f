import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * What a worker of this folder says: once `ready` (with what the main thread needs to know) or
 * `failed` (it could not load what it holds), then one `result` or `error` per request id.
 */
export type WorkerReply<Ready, Result> =
  | { type: 'ready'; ready: Ready }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; result: Result }
  | { type: 'error'; id: number; message: string };

export interface WorkerSpec {
  /** The worker's file name in this folder, without extension (inference-worker, tokenizer-worker). */
  file: string;
  workerData: unknown;
  /** How errors name it: "the <name> exited (code 1)". */
  name: string;
}

/** Run from TypeScript sources (as every service is), a worker needs the same loader. */
const WORKER_EXEC_ARGV = extname(__filename) === '.ts' ? ['-r', '@swc-node/register'] : [];

interface Started<Ready> {
  worker: Worker;
  ready: Ready;
}

/** Starts a worker and waits for its `ready`; rejects with the worker's reason when it cannot start. */
function startWorker<Ready>(spec: WorkerSpec): Promise<Started<Ready>> {
  const worker = new Worker(join(__dirname, `${spec.file}${extname(__filename)}`), { workerData: spec.workerData, execArgv: WORKER_EXEC_ARGV });
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      outcome();
    };
    const onMessage = (message: WorkerReply<Ready, unknown>) => {
      if (message.type === 'ready') settle(() => resolve({ worker, ready: message.ready }));
      else if (message.type === 'failed') settle(() => void worker.terminate().finally(() => reject(new Error(message.message))));
    };
    const onError = (error: Error) => settle(() => reject(error));
    const onExit = (code: number) => settle(() => reject(new Error(`the ${spec.name} exited (code ${code}) before it was ready`)));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/**
 * A worker thread that answers requests by id, driven from the main thread. It keeps the process
 * alive only while a request is pending. If it dies, the requests it had fail with the reason and
 * the next request starts a new one (which loads what it holds again), so one crash does not
 * leave the service without it.
 */
export class RestartingWorker<Ready, Result> {
  private readonly pending = new Map<number, { resolve: (result: Result) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private worker: Worker | undefined;
  private restarting: Promise<Worker> | undefined;
  private closed = false;
  private restartCount = 0;
  /** What the first worker said when it was ready. */
  readonly ready: Ready;

  private constructor(
    private readonly spec: WorkerSpec,
    started: Started<Ready>,
  ) {
    this.ready = started.ready;
    this.attach(started.worker);
  }

  static async start<Ready, Result>(spec: WorkerSpec): Promise<RestartingWorker<Ready, Result>> {
    return new RestartingWorker<Ready, Result>(spec, await startWorker<Ready>(spec));
  }

  /** Workers started after the first one died. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Sends `request` with an id of its own; `transfer` lists buffers moved to the worker rather than copied. */
  async call(request: object, transfer: ArrayBuffer[] = []): Promise<Result> {
    if (this.closed) throw new Error(`the ${this.spec.name} is closed`);
    const worker = this.worker ?? (await this.restart());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id }, transfer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private restart(): Promise<Worker> {
    this.restarting ??= startWorker<Ready>(this.spec)
      .then((started) => {
        this.restartCount++;
        this.attach(started.worker);
        return started.worker;
      })
      .finally(() => {
        this.restarting = undefined;
      });
    return this.restarting;
  }

  private attach(worker: Worker): void {
    this.worker = worker;
    worker.on('message', (message: WorkerReply<Ready, Result>) => {
      if (message.type !== 'result' && message.type !== 'error') return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.type === 'result') waiting.resolve(message.result);
      else waiting.reject(new Error(message.message));
    });
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the ${this.spec.name} exited (code ${code})`)));
    worker.unref();
  }

  /** The worker died: what it was doing fails; the next request starts another. */
  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
