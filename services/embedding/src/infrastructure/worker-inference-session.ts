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

/**
 * An ONNX Runtime session on a worker thread (see inference-worker.ts for why), driven from the
 * main thread: inputs are transferred, not copied, and runs are answered in order. The worker
 * keeps the process alive only while a run is pending. If the worker dies, every pending and
 * later run fails with the reason; the service stays up to say so.
 */
export class WorkerInferenceSession {
  private readonly pending = new Map<number, { resolve: (output: InferenceOutput) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {
    worker.on('message', (message: InferenceReply) => {
      if (message.type !== 'result' && message.type !== 'error') return;
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.type === 'result') waiting.resolve({ data: message.data, dims: message.dims });
      else waiting.reject(new Error(message.message));
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the inference worker exited (code ${code})`)));
    worker.unref();
  }

  /** Starts a worker and loads the model there; rejects with the runtime's reason when it cannot. */
  static create(modelPath: string, sessionOptions: InferenceSession.SessionOptions): Promise<WorkerInferenceSession> {
    const start: WorkerStart = { modelPath, sessionOptions };
    const worker = new Worker(WORKER_FILE, { workerData: start, execArgv: WORKER_EXEC_ARGV });
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        outcome();
      };
      const onMessage = (message: InferenceReply) => {
        if (message.type === 'ready') settle(() => resolve(new WorkerInferenceSession(worker, message.inputNames, message.outputNames)));
        else if (message.type === 'failed') settle(() => void worker.terminate().finally(() => reject(new Error(message.message))));
      };
      const onError = (error: Error) => settle(() => reject(error));
      const onExit = (code: number) => settle(() => reject(new Error(`the inference worker exited (code ${code}) before the model loaded`)));
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
  }

  /** Runs the model; the result is the first of `outputNames` the model has (else its first output). */
  run(feeds: InferenceRequest['feeds'], outputNames: readonly string[]): Promise<InferenceOutput> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const request: InferenceRequest = { id, feeds, outputNames: [...outputNames] };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(request, Object.values(feeds).map((feed) => feed.data.buffer as ArrayBuffer));
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
