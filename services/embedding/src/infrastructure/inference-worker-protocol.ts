import type { InferenceSession } from 'onnxruntime-node';

/** What the inference worker starts with. */
export interface WorkerStart {
  modelPath: string;
  sessionOptions: InferenceSession.SessionOptions;
}

/** One inference: int64 inputs by name, and the outputs wanted (the first one present is returned). */
export interface InferenceRequest {
  id: number;
  feeds: Record<string, { data: BigInt64Array; dims: number[] }>;
  outputNames: string[];
}

export type InferenceReply =
  | { type: 'ready'; inputNames: string[] }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; data: Float32Array; dims: number[] }
  | { type: 'error'; id: number; message: string };
