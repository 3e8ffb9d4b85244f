import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelProvider } from '../application/ranking.ports';
import { FtrlModel, RELEVANCE_PRIOR_WEIGHTS, SERVING_FTRL_CONFIG, snapshotVersion } from '../domain';

const VERSION_FILE = /^[A-Za-z0-9_.-]{1,128}$/;
/** Promoted or pinned versions kept in memory (for pages of earlier lists and experiment pins). */
const KEEP_LOADED = 8;

/**
 * Versioned model snapshots on disk: `<dir>/<version>.json` (written beside, then renamed) and
 * `<dir>/CURRENT` naming the promoted one. Serves the promoted model, or before any promotion an
 * untrained one that starts from the relevance prior (SERVING_FTRL_CONFIG).
 */
export class ModelRegistry implements ModelProvider {
  private serving: FtrlModel;
  private readonly loaded = new Map<string, FtrlModel>();
  /** Versions experiments pin: kept for the life of the process. */
  private readonly pinned = new Map<string, FtrlModel>();

  private constructor(private readonly dir: string) {
    this.serving = new FtrlModel(SERVING_FTRL_CONFIG);
  }

  static async open(dataDir: string): Promise<ModelRegistry> {
    const registry = new ModelRegistry(join(dataDir, 'models'));
    await mkdir(registry.dir, { recursive: true });
    const currentFile = join(registry.dir, 'CURRENT');
    if (existsSync(currentFile)) {
      const version = (await readFile(currentFile, 'utf8')).trim();
      const model = await registry.read(version);
      if (!model) throw new Error(`model snapshot ${version} named by ${currentFile} is missing or unreadable`);
      registry.serving = model;
    }
    return registry;
  }

  current(): FtrlModel {
    return this.serving;
  }

  /** A promoted snapshot by version (an experiment may pin one); undefined when unknown. */
  byVersion(version: string): FtrlModel | undefined {
    if (version === this.serving.version) return this.serving;
    return this.pinned.get(version) ?? this.loaded.get(version);
  }

  /** Loads a snapshot and keeps it in memory, so byVersion serves it however many promotions follow. */
  async preload(version: string): Promise<boolean> {
    const model = await this.read(version);
    if (model) this.pinned.set(version, model);
    return model !== undefined;
  }

  private async read(version: string): Promise<FtrlModel | undefined> {
    if (!VERSION_FILE.test(version)) return undefined;
    const file = join(this.dir, `${version}.json`);
    if (!existsSync(file)) return undefined;
    const model = FtrlModel.fromSnapshot(JSON.parse(await readFile(file, 'utf8')));
    model.seedUnseenFeatures(RELEVANCE_PRIOR_WEIGHTS);
    this.remember(version, model);
    return model;
  }

  private remember(version: string, model: FtrlModel): void {
    this.loaded.delete(version);
    this.loaded.set(version, model);
    while (this.loaded.size > KEEP_LOADED) this.loaded.delete(this.loaded.keys().next().value!);
  }

  /** Persists a copy of `model` as a new version and serves it. */
  async promote(model: FtrlModel, nowMs: number): Promise<string> {
    const version = snapshotVersion(nowMs, model.trainingCount);
    const snapshot = model.toSnapshot({ version, createdAtMs: nowMs });
    const file = join(this.dir, `${version}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(snapshot));
    await rename(`${file}.tmp`, file);
    await writeFile(join(this.dir, 'CURRENT.tmp'), `${version}\n`);
    await rename(join(this.dir, 'CURRENT.tmp'), join(this.dir, 'CURRENT'));
    const promoted = FtrlModel.fromSnapshot(snapshot);
    this.remember(version, promoted);
    this.serving = promoted;
    return version;
  }
}
