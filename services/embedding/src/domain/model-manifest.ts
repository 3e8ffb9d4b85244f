import { AppError } from '@shopsense/errors';
import type { Pooling } from './pooling';

/**
 * `shopsense-model.json`, the small file beside a Hugging Face style export (`model.onnx`,
 * `tokenizer.json`) that says how to turn the model's output into sentence vectors. Any
 * sentence-embedding export works once it has one.
 */
export interface ModelManifest {
  name: string;
  /** Changes whenever the weights change (it is part of every cache key). */
  version: string;
  dimension: number;
  maxLength: number;
  pooling: Pooling;
  normalize: boolean;
  /** e5-style instructions prepended to queries and documents ("query: ", "passage: "). */
  queryPrefix: string;
  documentPrefix: string;
  licence?: string;
  source?: string;
}

export function parseModelManifest(json: unknown, source: string): ModelManifest {
  const m = json as Record<string, unknown>;
  const problems: string[] = [];
  const str = (key: string, optional = false) => {
    const v = m?.[key];
    if (typeof v === 'string' && (optional || v.length > 0)) return v;
    if (optional && v === undefined) return '';
    problems.push(`${key} must be a ${optional ? '' : 'non-empty '}string`);
    return '';
  };
  const int = (key: string, min: number, max: number) => {
    const v = m?.[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    problems.push(`${key} must be an integer in ${min}..${max}`);
    return min;
  };
  const manifest: ModelManifest = {
    name: str('name'),
    version: str('version'),
    dimension: int('dimension', 1, 16_384),
    maxLength: int('maxLength', 2, 32_768),
    pooling: m?.['pooling'] === 'cls' ? 'cls' : 'mean',
    normalize: m?.['normalize'] !== false,
    queryPrefix: str('queryPrefix', true),
    documentPrefix: str('documentPrefix', true),
  };
  if (m?.['pooling'] !== 'mean' && m?.['pooling'] !== 'cls') problems.push("pooling must be 'mean' or 'cls'");
  if (typeof m?.['licence'] === 'string') manifest.licence = m['licence'];
  if (typeof m?.['source'] === 'string') manifest.source = m['source'];
  if (problems.length > 0) throw new AppError('FAILED_PRECONDITION', `invalid model manifest ${source}: ${problems.join('; ')}`);
  return manifest;
}
