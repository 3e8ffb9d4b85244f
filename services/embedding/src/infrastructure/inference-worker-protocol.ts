import type { InferenceSession } from 'onnxruntime-node';

/** What the inference worker starts with. */
export interface InferenceStart {
  modelPath: string;
  sessionOptions: InferenceSession.SessionOptions;
}

/** What it says once the model is loaded. */
export interface InferenceReady {
  inputNames: string[];
}

/** One inference: int64 inputs by name, and the outputs wanted (the first one present is returned). */
export interface InferenceRequest {
  id: number;
  feeds: Record<string, { data: BigInt64Array; dims: number[] }>;
  outputNames: string[];
}

export interface InferenceOutput {
  data: Float32Array;
  dims: number[];
}
