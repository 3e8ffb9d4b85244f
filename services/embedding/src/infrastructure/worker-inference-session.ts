import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import type { InferenceReply, InferenceRequest, WorkerStart } from './inference-worker-protocol';

/** Run from TypeScript sources (as every service is), the worker needs the same loader. */
const WORKER_FILE = join(__dirname, `inference-worker${extname(__filename)}`);
const WORKER_EXEC_ARGV = extname(__filename) === '.ts' ? ['-r', '@swc-node/register'] : [];

export interface InferenceOutput {
  data: Float32Array;
  dims: number[];
}

interface StartedWorker {
  worker: Worker;
  inputNames: string[];
}

/** Starts a worker and loads the model there; rejects with the runtime's reason when it cannot. */
function startWorker(start: WorkerStart): Promise<StartedWorker> {
  const worker = new Worker(WORKER_FILE, { workerData: start, execArgv: WORKER_EXEC_ARGV });
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      outcome();
    };
    const onMessage = (message: InferenceReply) => {
      if (message.type === 'ready') settle(() => resolve({ worker, inputNames: message.inputNames }));
      else if (message.type === 'failed') settle(() => void worker.terminate().finally(() => reject(new Error(message.message))));
    };
    const onError = (error: Error) => settle(() => reject(error));
    const onExit = (code: number) => settle(() => reject(new Error(`the inference worker exited (code ${code}) before the model loaded`)));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/**
 * An ONNX Runtime session on a worker thread (see inference-worker.ts for why), driven from the
 * main thread: inputs are transferred, not copied. The worker keeps the process alive only while
 * a run is pending. If it dies, the runs it had fail with the reason and the next run starts a
 * new one (the model loads again), so one crash does not leave the service unable to embed.
 */
export class WorkerInferenceSession {
  private readonly pending = new Map<number, { resolve: (output: InferenceOutput) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private worker: Worker | undefined;
  private restarting: Promise<Worker> | undefined;
  private closed = false;
  private restartCount = 0;

  private constructor(
    private readonly start: WorkerStart,
    started: StartedWorker,
  ) {
    this.inputNames = started.inputNames;
    this.attach(started.worker);
  }

  readonly inputNames: readonly string[];

  /** Workers started after the first one died. */
  get restarts(): number {
    return this.restartCount;
  }

  static async create(modelPath: string, sessionOptions: InferenceSession.SessionOptions): Promise<WorkerInferenceSession> {
    const start: WorkerStart = { modelPath, sessionOptions };
    return new WorkerInferenceSession(start, await startWorker(start));
  }

  /** Runs the model; the result is the first of `outputNames` the model has (else its first output). */
  async run(feeds: InferenceRequest['feeds'], outputNames: readonly string[]): Promise<InferenceOutput> {
    if (this.closed) throw new Error('the inference session is closed');
    const worker = this.worker ?? (await this.restart());
    const id = this.nextId++;
    const request: InferenceRequest = { id, feeds, outputNames: [...outputNames] };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(request, Object.values(feeds).map((feed) => feed.data.buffer as ArrayBuffer));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private restart(): Promise<Worker> {
    this.restarting ??= startWorker(this.start)
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
    worker.on('message', (message: InferenceReply) => {
      if (message.type !== 'result' && message.type !== 'error') return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.type === 'result') waiting.resolve({ data: message.data, dims: message.dims });
      else waiting.reject(new Error(message.message));
    });
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the inference worker exited (code ${code})`)));
    worker.unref();
  }

  /** The worker died: what it was running fails; the next run starts another. */
  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
