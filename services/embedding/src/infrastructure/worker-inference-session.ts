import type { InferenceSession } from 'onnxruntime-node';
import type { InferenceOutput, InferenceReady, InferenceRequest, InferenceStart } from './inference-worker-protocol';
import { RestartingWorker } from './restarting-worker';

/**
 * An ONNX Runtime session on a worker thread (see inference-worker.ts for why), driven from the
 * main thread: inputs are transferred, not copied. A worker that dies is replaced on the next run
 * (the model loads again); the runs it had fail with the reason.
 */
export class WorkerInferenceSession {
  private constructor(private readonly worker: RestartingWorker<InferenceReady, InferenceOutput>) {
    this.inputNames = worker.ready.inputNames;
  }

  readonly inputNames: readonly string[];

  /** Workers started after the first one died. */
  get restarts(): number {
    return this.worker.restarts;
  }

  static async create(modelPath: string, sessionOptions: InferenceSession.SessionOptions): Promise<WorkerInferenceSession> {
    const start: InferenceStart = { modelPath, sessionOptions };
    return new WorkerInferenceSession(await RestartingWorker.start<InferenceReady, InferenceOutput>({ file: 'inference-worker', workerData: start, name: 'inference worker' }));
  }

  /** Runs the model; the result is the first of `outputNames` the model has (else its first output). */
  run(feeds: InferenceRequest['feeds'], outputNames: readonly string[]): Promise<InferenceOutput> {
    const request: Omit<InferenceRequest, 'id'> = { feeds, outputNames: [...outputNames] };
    return this.worker.call(request, Object.values(feeds).map((feed) => feed.data.buffer as ArrayBuffer));
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
