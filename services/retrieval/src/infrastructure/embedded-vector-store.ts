import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { recommendationVector, type VectorHit, type VectorPoint, type VectorStore } from '../application/vector-store.port';
import { hasFilters, matchesFilters, type ItemPayload, type NormalizedFilters } from '../domain/filters';

export interface EmbeddedVectorStoreOptions {
  /** Folder for the index files; the store survives restarts from it. */
  dataDir: string;
  /**
   * Where the model version of the stored vectors is recorded (default `<dataDir>/model-version`;
   * the retrieval service keeps it beside its catalog, where it always has been).
   */
  versionFile?: string;
  /** HNSW graph degree and build-time beam width: recall against build time. */
  m?: number;
  efConstruction?: number;
  /** Search beam width (at least k). */
  efSearch?: number;
  /**
   * Below this share of matching items a filtered query scans the matching items exactly:
   * a graph walk that must skip 99% of the nodes it meets loses recall.
   */
  exactFilterShare?: number;
}

interface Meta {
  version: 1;
  dimension: number;
  /** Item id per label (null: a free label). */
  ids: (string | null)[];
  payloads: (ItemPayload | null)[];
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * The default vector store: an HNSW graph (hnswlib) plus the vectors and filter payloads, in
 * memory and persisted in `dataDir` (vectors.f32, meta.json, index.hnsw). A restart reloads the
 * graph, or rebuilds it from the stored vectors if the graph file is missing or stale, and
 * never re-embeds. Very selective filters are answered by an exact scan of the matching items.
 */
export class EmbeddedVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  private index?: HierarchicalNSW;
  private graphRebuilt = false;
  private dimension = 0;
  private ids: (string | null)[] = [];
  private payloads: (ItemPayload | null)[] = [];
  private vectors: (Float32Array | null)[] = [];
  private readonly labelById = new Map<string, number>();
  private freeLabels: number[] = [];
  private dirty = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly m: number;
  private readonly efConstruction: number;
  private readonly efSearch: number;
  private readonly exactFilterShare: number;

  constructor(private readonly options: EmbeddedVectorStoreOptions) {
    this.m = options.m ?? 16;
    this.efConstruction = options.efConstruction ?? 100;
    this.efSearch = options.efSearch ?? 96;
    this.exactFilterShare = options.exactFilterShare ?? 0.05;
  }

  private get files() {
    const dir = this.options.dataDir;
    return { meta: join(dir, 'meta.json'), vectors: join(dir, 'vectors.f32'), graph: join(dir, 'index.hnsw') };
  }

  /** Whether the last `init` had to rebuild the graph from the stored vectors (no usable graph file). */
  get rebuiltGraph(): boolean {
    return this.graphRebuilt;
  }

  async init(dimension: number, modelVersion: string): Promise<void> {
    if (this.index) {
      if (dimension !== this.dimension) throw new Error(`vector store holds ${this.dimension}-d vectors, asked for ${dimension}-d (re-index into a new data folder)`);
      return;
    }
    await mkdir(this.options.dataDir, { recursive: true });
    this.dimension = dimension;
    const versionFile = this.options.versionFile ?? join(this.options.dataDir, 'model-version');
    const recorded = existsSync(versionFile) ? (await readFile(versionFile, 'utf8')).trim() : undefined;
    if (recorded !== undefined && recorded !== modelVersion) {
      // Another model's vectors are not comparable with this one's queries: start empty (the
      // files go first, so a crash before the version is rewritten starts empty again).
      const { meta, vectors, graph } = this.files;
      await Promise.all([meta, vectors, graph].map((file) => rm(file, { force: true })));
    }
    if (recorded !== modelVersion) await writeFile(versionFile, `${modelVersion}\n`);
    if (existsSync(this.files.meta)) await this.load(dimension);
    else this.createIndex(1024);
  }

  async publish(): Promise<void> {
    // No other reader: what this process holds is what it serves.
  }

  private createIndex(capacity: number): void {
    this.index = new HierarchicalNSW('cosine', this.dimension);
    this.index.initIndex(capacity, this.m, this.efConstruction, 42, false);
  }

  private async load(dimension: number): Promise<void> {
    const meta = JSON.parse(await readFile(this.files.meta, 'utf8')) as Meta;
    if (meta.dimension !== dimension) throw new Error(`the index in ${this.options.dataDir} holds ${meta.dimension}-d vectors, the model makes ${dimension}-d ones: re-index into a new data folder`);
    const raw = await readFile(this.files.vectors);
    const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    this.ids = meta.ids;
    this.payloads = meta.payloads;
    this.vectors = meta.ids.map((id, label) => (id === null ? null : all.slice(label * dimension, (label + 1) * dimension)));
    this.ids.forEach((id, label) => (id === null ? this.freeLabels.push(label) : this.labelById.set(id, label)));
    const capacity = Math.max(1024, this.ids.length * 2);
    let loaded = false;
    if (existsSync(this.files.graph)) {
      try {
        this.index = new HierarchicalNSW('cosine', dimension);
        this.index.readIndexSync(this.files.graph, false);
        loaded = this.index.getCurrentCount() === this.ids.length;
        if (loaded && this.index.getMaxElements() < capacity) this.index.resizeIndex(capacity);
      } catch {
        loaded = false;
      }
    }
    this.graphRebuilt = !loaded;
    if (!loaded) {
      // The graph file is missing or does not match the vectors: rebuild it from them.
      this.createIndex(capacity);
      const placeholder = new Float32Array(dimension);
      placeholder[0] = 1; // free labels need some (non-zero) vector until they are reused
      this.vectors.forEach((vector, label) => {
        this.index!.addPoint(Array.from(vector ?? placeholder), label);
        if (vector === null) this.index!.markDelete(label);
      });
      this.dirty = true;
    }
  }

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    const index = this.requireIndex();
    for (const point of points) {
      if (point.vector.length !== this.dimension) throw new Error(`vector of ${point.id} has ${point.vector.length} dimensions, expected ${this.dimension}`);
      // The item's own label, a freed one, or a new one. For a label hnswlib already knows
      // (even one marked deleted) addPoint updates the element in place and unmarks it.
      const label = this.labelById.get(point.id) ?? this.freeLabels.pop() ?? this.ids.length;
      if (label >= index.getMaxElements()) index.resizeIndex(Math.max(1024, index.getMaxElements() * 2));
      index.addPoint(Array.from(point.vector), label);
      this.ids[label] = point.id;
      this.payloads[label] = point.payload;
      this.vectors[label] = Float32Array.from(point.vector);
      this.labelById.set(point.id, label);
    }
    this.dirty = true;
  }

  async delete(ids: readonly string[]): Promise<void> {
    const index = this.requireIndex();
    for (const id of ids) {
      const label = this.labelById.get(id);
      if (label === undefined) continue;
      index.markDelete(label);
      this.labelById.delete(id);
      this.ids[label] = null;
      this.payloads[label] = null;
      this.vectors[label] = null;
      this.freeLabels.push(label);
      this.dirty = true;
    }
  }

  async search(vector: Float32Array, k: number, filters: NormalizedFilters, excludeIds?: ReadonlySet<string>): Promise<VectorHit[]> {
    const index = this.requireIndex();
    const live = this.labelById.size;
    if (live === 0 || k <= 0) return [];
    const accept = (label: number) => {
      const id = this.ids[label];
      return id !== null && id !== undefined && !excludeIds?.has(id) && (!hasFilters(filters) || matchesFilters(this.payloads[label]!, filters));
    };
    if (hasFilters(filters) || (excludeIds && excludeIds.size > 0)) {
      const matching: number[] = [];
      for (let label = 0; label < this.ids.length; label++) if (accept(label)) matching.push(label);
      if (matching.length === 0) return [];
      if (matching.length <= Math.max(k * 10, live * this.exactFilterShare)) return this.exact(vector, matching, k);
      index.setEf(Math.max(this.efSearch, k * 2));
      return this.toHits(index.searchKnn(Array.from(vector), Math.min(k, matching.length), accept));
    }
    index.setEf(Math.max(this.efSearch, k * 2));
    return this.toHits(index.searchKnn(Array.from(vector), Math.min(k, live)));
  }

  /** Exact cosine search over the given labels (vectors are normalised, so a dot product). */
  exact(vector: Float32Array, labels: readonly number[], k: number): VectorHit[] {
    const hits = labels.map((label) => ({ id: this.ids[label]!, score: dot(vector, this.vectors[label]!) }));
    return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, k);
  }

  /** Exact search over every live item: the reference the ANN recall is measured against. */
  exactSearch(vector: Float32Array, k: number, filters: NormalizedFilters): VectorHit[] {
    const labels: number[] = [];
    for (let label = 0; label < this.ids.length; label++) {
      if (this.ids[label] !== null && (!hasFilters(filters) || matchesFilters(this.payloads[label]!, filters))) labels.push(label);
    }
    return this.exact(vector, labels, k);
  }

  async recommend(positiveIds: readonly string[], negativeIds: readonly string[], k: number, filters: NormalizedFilters): Promise<VectorHit[]> {
    const vectors = await this.getVectors([...positiveIds, ...negativeIds]);
    const query = recommendationVector(
      positiveIds.flatMap((id) => vectors.get(id) ?? []),
      negativeIds.flatMap((id) => vectors.get(id) ?? []),
    );
    if (!query) return [];
    return this.search(query, k, filters, new Set([...positiveIds, ...negativeIds]));
  }

  async getVectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const id of ids) {
      const label = this.labelById.get(id);
      if (label !== undefined) out.set(id, this.vectors[label]!);
    }
    return out;
  }

  async count(): Promise<number> {
    return this.labelById.size;
  }

  /** Flushes run one after another: the periodic flush and a shutdown flush may overlap. */
  flush(): Promise<void> {
    const next = this.flushing.then(() => this.writeFiles());
    this.flushing = next.catch(() => undefined);
    return next;
  }

  private async writeFiles(): Promise<void> {
    if (!this.dirty || !this.index) return;
    const { meta, vectors, graph } = this.files;
    // Snapshot all three files synchronously, so they describe the same moment even if
    // upserts land while the writes below are awaited (those mark the store dirty again).
    const all = new Float32Array(this.ids.length * this.dimension);
    this.vectors.forEach((vector, label) => vector && all.set(vector, label * this.dimension));
    const metaJson = JSON.stringify({ version: 1, dimension: this.dimension, ids: this.ids, payloads: this.payloads } satisfies Meta);
    this.index.writeIndexSync(`${graph}.tmp`);
    this.dirty = false;
    try {
      // Written beside, then renamed: a crash mid-write leaves the previous files intact.
      await writeFile(`${vectors}.tmp`, Buffer.from(all.buffer));
      await writeFile(`${meta}.tmp`, metaJson);
      await rename(`${vectors}.tmp`, vectors);
      await rename(`${graph}.tmp`, graph);
      await rename(`${meta}.tmp`, meta);
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private toHits(result: { distances: number[]; neighbors: number[] }): VectorHit[] {
    return result.neighbors.map((label, i) => ({ id: this.ids[label]!, score: 1 - result.distances[i]! }));
  }

  private requireIndex(): HierarchicalNSW {
    if (!this.index) throw new Error('vector store used before init()');
    return this.index;
  }
}
