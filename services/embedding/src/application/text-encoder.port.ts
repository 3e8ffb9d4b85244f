import type { ModelManifest } from '../domain/model-manifest';

/** The model runtime port: tokenize, then turn token id sequences into sentence vectors. */
export interface TextEncoder {
  readonly manifest: ModelManifest;
  /** Where inference runs ('cpu' or 'cuda') and the weights' precision ('fp32', 'int8'). */
  readonly device: string;
  readonly quantization: string;
  /** Token ids per text, with special tokens, truncated to the model's maximum length. */
  tokenize(texts: readonly string[]): Promise<number[][]>;
  /** One pooled (and, if the model says so, normalised) vector per sequence. */
  encode(batch: readonly number[][]): Promise<Float32Array[]>;
}

export const TEXT_ENCODER = Symbol('TEXT_ENCODER');
