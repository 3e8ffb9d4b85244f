/**
 * Worker-thread side of WorkerInferenceSession. onnxruntime-node runs a session synchronously
 * on the thread that calls `run`, so a session on the main thread stops its event loop for the
 * whole inference (340 ms for 32 documents on two cores): gRPC calls go unread, and in
 * standalone mode every other service in the process stalls with it. Here the session lives on
 * a thread of its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { InferenceOutput, InferenceReady, InferenceRequest, InferenceStart } from './inference-worker-protocol';
import type { WorkerReply } from './restarting-worker';

const port = parentPort;
if (!port) throw new Error('inference-worker.ts runs as a worker thread only');
const { modelPath, sessionOptions } = workerData as InferenceStart;

function reply(message: WorkerReply<InferenceReady, InferenceOutput>, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

ort.InferenceSession.create(modelPath, sessionOptions).then(
  (session) => {
    reply({ type: 'ready', ready: { inputNames: [...session.inputNames] } });
    port.on('message', (request: InferenceRequest) => {
      const fail = (error: unknown) => reply({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) });
      const feeds: Record<string, ort.Tensor> = {};
      try {
        for (const [name, input] of Object.entries(request.feeds)) feeds[name] = new ort.Tensor('int64', input.data, input.dims);
      } catch (error) {
        fail(error); // a malformed request fails alone; the worker goes on
        return;
      }
      session.run(feeds).then(
        (outputs) => {
          const output = request.outputNames.map((name) => outputs[name]).find((tensor) => tensor !== undefined) ?? outputs[session.outputNames[0]!]!;
          // A copy the main thread can own; the runtime's buffer is not always transferable.
          const data = Float32Array.from(output.data as Float32Array);
          reply({ type: 'result', id: request.id, result: { data, dims: [...output.dims] } }, [data.buffer]);
        },
        fail,
      );
    });
  },
  (error: unknown) => reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
);
