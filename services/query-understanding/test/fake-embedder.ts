import type { EmbeddedTexts, EmbeddingKind, TextEmbedder } from '../src/application/text-embedder.port';

/** Words that pull a text towards one axis of the fake embedding space. */
const AXES: readonly (readonly string[])[] = [
  ['shoe', 'shoes', 'sneakers', '跑鞋', '板鞋', 'nike', '耐克', 'adidas', '阿迪达斯'],
  ['headphones', 'earbuds', '耳机', '蓝牙耳机', 'sony', '索尼'],
  ['mouse', 'mice', '鼠标', 'voltra', '沃创'],
  ['apples', '苹果', 'fruit'],
  ['milk', '牛奶'],
];

/**
 * A deterministic stand-in for the embedding service: one axis per product family plus a small
 * hash of the text, so titles of a category cluster and nothing needs a model. Counts calls,
 * and can be made to fail or hang, or to change "model version".
 */
export class FakeEmbedder implements TextEmbedder {
  calls: { texts: readonly string[]; kind: EmbeddingKind; priority: 'interactive' | 'bulk' | undefined }[] = [];
  /** Runs at the start of every call (e.g. to stop the caller half-way through its work). */
  beforeCall: (() => void) | undefined;
  modelVersion = 'fake-v1';
  failWith: Error | undefined;
  hang = false;

  async embed(texts: readonly string[], kind: EmbeddingKind, options: { timeoutMs: number; signal?: AbortSignal; priority?: 'interactive' | 'bulk' }): Promise<EmbeddedTexts> {
    this.beforeCall?.();
    this.calls.push({ texts, kind, priority: options.priority });
    if (this.failWith) throw this.failWith;
    if (this.hang) {
      await new Promise((_resolve, reject) => setTimeout(() => reject(new Error(`deadline of ${options.timeoutMs} ms exceeded`)), options.timeoutMs));
    }
    return { vectors: texts.map(vectorOf), modelVersion: this.modelVersion };
  }

  close(): void {
    this.calls = [];
  }
}

function vectorOf(text: string): Float32Array {
  const lower = text.toLowerCase();
  const vector = new Float32Array(AXES.length + 4);
  AXES.forEach((words, axis) => {
    for (const word of words) if (lower.includes(word)) vector[axis] += 1;
  });
  let hash = 0;
  for (const char of lower) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  for (let i = 0; i < 4; i++) vector[AXES.length + i] = ((hash >>> (i * 8)) & 0xff) / 2550; // ±0.1 of noise
  return vector;
}
