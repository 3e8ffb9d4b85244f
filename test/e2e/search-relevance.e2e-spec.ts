/**
 * Search relevance over the whole request path (issue 7, done-when 1): English and Chinese queries
 * against the demo catalog and the shared Amazon Industrial & Scientific catalog, each served by
 * the standalone runner (every real service, the real model). A query passes when enough of its
 * top results are of the kind it asks for; filters the query states (price, brand, colour) must
 * hold for every result, without exception.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { RankingService, type Product, type SearchResponse } from '@shopsense/contracts';
import { sharedDatasetAvailable, writeAmazonJsonl } from '@shopsense/datasets';
import { createGrpcClient } from '@shopsense/grpc';
import { startStandalone, type RunningStandalone } from '../../apps/standalone/src/standalone';
import { standaloneConfigSchema } from '../../apps/standalone/src/standalone.config';
import { loadConfig } from '@shopsense/config';

interface Case {
  query: string;
  /** Whether a result is of the kind the query asks for. */
  relevant: (p: Product) => boolean;
  /** What every result must satisfy (the query's filters). */
  filter?: (p: Product) => boolean;
  /** Relevant results wanted among the top `of`. */
  atLeast: number;
  of: number;
}

const inCategory = (leaf: string) => (p: Product) => p.categoryPath.includes(leaf);
const titleHas = (...words: string[]) => (p: Product) => words.some((w) => `${p.title} ${p.categoryPath.join(' ')}`.toLowerCase().includes(w));

const DEMO: Case[] = [
  { query: 'running shoes', relevant: inCategory('Running Shoes'), atLeast: 4, of: 5 },
  { query: 'wireless headphones', relevant: inCategory('Headphones'), atLeast: 4, of: 5 },
  { query: 'yoga mat', relevant: inCategory('Yoga Mats'), atLeast: 4, of: 5 },
  { query: 'frying pan', relevant: inCategory('Frying Pans'), atLeast: 4, of: 5 },
  { query: 'smartwatch', relevant: inCategory('Smartwatches'), atLeast: 4, of: 5 },
  { query: 'laptop', relevant: inCategory('Laptops'), atLeast: 4, of: 5 },
  { query: 'coffee beans', relevant: inCategory('Coffee Beans'), atLeast: 4, of: 5 },
  { query: 'electric kettle', relevant: inCategory('Electric Kettles'), atLeast: 4, of: 5 },
  { query: 'running shoes under 100', relevant: inCategory('Running Shoes'), filter: (p) => p.price <= 100, atLeast: 4, of: 5 },
  { query: 'red dress', relevant: inCategory('Dresses'), filter: (p) => p.attributes['color'] === 'red', atLeast: 1, of: 3 },
  { query: 'xiaomi headphones', relevant: inCategory('Headphones'), filter: (p) => p.brand === 'Xiaomi', atLeast: 1, of: 3 },
  { query: '跑鞋', relevant: inCategory('Running Shoes'), atLeast: 4, of: 5 },
  { query: '蓝牙耳机', relevant: inCategory('Headphones'), atLeast: 4, of: 5 },
  { query: '瑜伽垫', relevant: inCategory('Yoga Mats'), atLeast: 4, of: 5 },
  { query: '智能手表', relevant: inCategory('Smartwatches'), atLeast: 4, of: 5 },
  { query: '笔记本电脑', relevant: inCategory('Laptops'), atLeast: 4, of: 5 },
  { query: '咖啡豆', relevant: inCategory('Coffee Beans'), atLeast: 4, of: 5 },
  { query: '电热水壶', relevant: inCategory('Electric Kettles'), atLeast: 4, of: 5 },
  { query: '双肩包', relevant: inCategory('Backpacks'), atLeast: 4, of: 5 },
  { query: '红色 跑鞋', relevant: inCategory('Running Shoes'), filter: (p) => p.attributes['color'] === 'red', atLeast: 1, of: 2 },
  { query: '500元以下的蓝牙耳机', relevant: inCategory('Headphones'), filter: (p) => p.price <= 500, atLeast: 4, of: 5 },
  { query: '小米 耳机', relevant: inCategory('Headphones'), filter: (p) => p.brand === 'Xiaomi', atLeast: 1, of: 3 },
];

const AMAZON: Case[] = [
  { query: 'digital caliper', relevant: titleHas('caliper'), atLeast: 3, of: 5 },
  { query: '3d printer filament', relevant: titleHas('filament'), atLeast: 4, of: 5 },
  { query: 'nitrile gloves', relevant: titleHas('glove'), atLeast: 3, of: 5 },
  { query: 'thermometer', relevant: titleHas('thermometer'), atLeast: 4, of: 5 },
  { query: 'pipette', relevant: titleHas('pipet'), atLeast: 3, of: 5 },
  { query: 'glass beaker', relevant: titleHas('beaker'), atLeast: 3, of: 5 },
  { query: 'test tubes', relevant: titleHas('test tube'), atLeast: 3, of: 5 },
  { query: 'resistor kit', relevant: titleHas('resistor'), atLeast: 3, of: 5 },
  { query: 'microscope', relevant: titleHas('microscope'), atLeast: 3, of: 5 },
  { query: 'double sided tape', relevant: titleHas('tape'), atLeast: 4, of: 5 },
];

/** Chinese queries over the English-only texts: only the multilingual model bridges them. */
const AMAZON_CROSS_LINGUAL: Case[] = [
  { query: '温度计', relevant: titleHas('thermometer'), atLeast: 2, of: 5 },
  { query: '显微镜', relevant: titleHas('microscope'), atLeast: 2, of: 5 },
  { query: '烧杯', relevant: titleHas('beaker'), atLeast: 2, of: 5 },
  { query: '3D打印耗材', relevant: titleHas('filament'), atLeast: 2, of: 5 },
];

// Generous hop budgets: this checks what is found, not how fast (the machine is shared). The INT8
// model (made by npm test's set-up) indexes 2.5 times faster with the same retrieval quality.
const ENVIRONMENT = { ...process.env, EMBEDDING_MODEL_FILE: process.env['EMBEDDING_TEST_MODEL_FILE'] ?? 'model.int8.onnx', RANKING_QU_BUDGET_MS: '5000', RANKING_EMBEDDING_BUDGET_MS: '10000', RANKING_RETRIEVAL_BUDGET_MS: '10000', RANKING_CATALOG_BUDGET_MS: '10000', RANKING_USER_STATE_BUDGET_MS: '5000' };

async function standalone(catalogFile: string): Promise<RunningStandalone> {
  const config = loadConfig(standaloneConfigSchema, { SHOPSENSE_DATA_DIR: mkdtempSync(join(tmpdir(), 'relevance-')), SHOPSENSE_PORT: '0', SHOPSENSE_METRICS_PORT: '0', SHOPSENSE_CATALOG_FILE: catalogFile, SHOPSENSE_EXPERIMENTS_FILE: 'none', LOG_LEVEL: 'warn', ...(process.env['EMBEDDING_MODEL_DIR'] ? { EMBEDDING_MODEL_DIR: process.env['EMBEDDING_MODEL_DIR'] } : {}) });
  return startStandalone(config, { environment: ENVIRONMENT });
}

/** Runs every case; returns one line per case and the failures. */
async function judge(port: number, cases: Case[]): Promise<{ lines: string[]; misses: string[]; filterBreaches: string[] }> {
  const client = createGrpcClient(RankingService, `127.0.0.1:${port}`, { credentials: grpc.credentials.createInsecure(), defaultTimeoutMs: 60_000 });
  const lines: string[] = [];
  const misses: string[] = [];
  const filterBreaches: string[] = [];
  try {
    for (const c of cases) {
      const response: SearchResponse = await client.search({ query: c.query, pageSize: 20 });
      const products = response.items.map((i) => i.product!);
      const relevant = products.slice(0, c.of).filter(c.relevant).length;
      const breaches = c.filter ? products.filter((p) => !c.filter!(p)).map((p) => `${p.id} ${p.title}`) : [];
      lines.push(`${relevant >= c.atLeast ? 'ok  ' : 'MISS'} ${c.query}: ${relevant}/${c.of} relevant${c.filter ? `, ${products.length} results, ${breaches.length} outside the filter` : ''}; top: ${products.slice(0, 3).map((p) => p.title.slice(0, 40)).join(' | ')}`);
      if (relevant < c.atLeast) misses.push(c.query);
      if (breaches.length > 0) filterBreaches.push(`${c.query}: ${breaches.join('; ')}`);
      expect(response.degraded).toEqual([]);
    }
  } finally {
    client.close();
  }
  return { lines, misses, filterBreaches };
}

describe('search relevance, English and Chinese, over the real services', () => {
  it('finds what the query asks for in the demo catalog, and honours its filters exactly', async () => {
    const running = await standalone(join(__dirname, '../../data/demo-catalog/products.jsonl'));
    try {
      const { lines, misses, filterBreaches } = await judge(running.port, DEMO);
      process.stdout.write(`demo catalog:\n${lines.join('\n')}\n`);
      expect(filterBreaches).toEqual([]);
      expect(misses).toEqual([]);
    } finally {
      await running.stop();
    }
  }, 900_000);

  (sharedDatasetAvailable('amazon-scientific') ? it : it.skip)('finds what the query asks for in the Amazon Industrial & Scientific catalog, Chinese queries included', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'amazon-catalog-')), 'products.jsonl');
    writeAmazonJsonl(file);
    const running = await standalone(file);
    try {
      const english = await judge(running.port, AMAZON);
      const chinese = await judge(running.port, AMAZON_CROSS_LINGUAL);
      process.stdout.write(`amazon-scientific catalog:\n${[...english.lines, ...chinese.lines].join('\n')}\n`);
      expect(english.misses).toEqual([]);
      // Chinese queries over English-only texts rest on the small 4-bit multilingual model alone:
      // measured 2 of 4 (thermometer and filament found; microscope and beaker not). Half must pass.
      expect(chinese.misses.length).toBeLessThanOrEqual(AMAZON_CROSS_LINGUAL.length / 2);
    } finally {
      await running.stop();
    }
  }, 900_000);
});
