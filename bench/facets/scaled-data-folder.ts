import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Product } from '@shopsense/contracts';
import { createLogger } from '@shopsense/observability';
import { CatalogIndexer } from '../../services/retrieval/src/application/catalog-indexer';
import type { DocumentEmbedding, Embedder } from '../../services/retrieval/src/application/embedder.port';
import { Bm25Index } from '../../services/retrieval/src/domain/bm25-index';
import { embeddingText } from '../../services/retrieval/src/domain/product-rules';
import { CatalogLogStore } from '../../services/retrieval/src/infrastructure/catalog-log-store';
import { EmbeddedVectorStore } from '../../services/retrieval/src/infrastructure/embedded-vector-store';

const vectorStoreOf = (retrievalDir: string) => new EmbeddedVectorStore({ dataDir: join(retrievalDir, 'vectors'), versionFile: join(retrievalDir, 'model-version') });

/**
 * A standalone data folder that holds a scaled catalog (scaleCatalog: copy i of base product
 * i mod n) already indexed, so a whole Search can be measured at 100,000 products: embedding
 * 100,000 titles takes hours on this CPU. Each copy's vector is its base product's real
 * embedding, read from the data folder of a standalone that indexed the base catalog (the model
 * number a copy adds to its title is left out of its vector); everything else (the catalog log,
 * the HNSW index, the payloads for filters) is written by the retrieval service's own stores and
 * indexer, so standalone starts on it as on a folder it indexed itself.
 */
export async function scaledDataFolder(baseRetrievalDir: string, base: readonly Product[], scaled: readonly Product[], catalogFile: string): Promise<{ dataDir: string; indexed: number; rejected: number }> {
  const version = (await readFile(join(baseRetrievalDir, 'model-version'), 'utf8')).trim();
  const { dimension } = JSON.parse(await readFile(join(baseRetrievalDir, 'vectors', 'meta.json'), 'utf8')) as { dimension: number };
  const source = vectorStoreOf(baseRetrievalDir);
  await source.init(dimension, version);
  const baseVectors = await source.getVectors(base.map((p) => p.id));
  await source.close();

  const byText = new Map<string, Float32Array>();
  scaled.forEach((product, i) => {
    const vector = baseVectors.get(base[i % base.length]!.id);
    if (vector) byText.set(embeddingText(product), vector);
  });
  const copied: Embedder = {
    describe: async () => ({ dimension, version }),
    embedDocuments: async (texts): Promise<DocumentEmbedding[]> => texts.map((text) => (byText.has(text) ? { vector: byText.get(text)! } : { problem: 'its base product has no vector' })),
    embedQuery: async () => {
      throw new Error('no query is embedded while the folder is built');
    },
  };

  const root = mkdtempSync(join(tmpdir(), 'bench-scaled-'));
  const retrievalDir = join(root, 'retrieval');
  const vectors = vectorStoreOf(retrievalDir);
  await vectors.init(dimension, version);
  const catalog = new CatalogLogStore(retrievalDir);
  await catalog.open();
  const indexer = new CatalogIndexer(catalog, vectors, new Bm25Index(), copied, createLogger('bench-scaled', 'warn'));
  // The copies of a product the catalog rules refuse (the base import refused it too) stay out.
  let indexed = 0;
  let rejected = 0;
  for (let i = 0; i < scaled.length; i += 2_000) {
    const outcome = await indexer.upsert(scaled.slice(i, i + 2_000), { publish: false });
    indexed += outcome.accepted;
    rejected += outcome.rejections.length;
  }
  await vectors.publish();
  await vectors.close();
  await catalog.close();
  // Standalone's record of its first-start import: the catalog is in the folder already.
  await writeFile(join(root, 'catalog-import.json'), JSON.stringify({ file: catalogFile, accepted: indexed, rejected, seconds: 0, at: new Date().toISOString() }));
  return { dataDir: root, indexed, rejected };
}
