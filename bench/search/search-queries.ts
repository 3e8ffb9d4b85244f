/**
 * Shopper queries over the demo catalog (data/demo-catalog), English and Chinese: a product noun
 * of one of its categories, with a colour, an audience or a price phrase. Every query is distinct,
 * so no request is answered from the embedding service's query cache; the bench draws the bare
 * embedding sample and the Search load from the same generator (disjoint queries, same mix).
 */
import { seededRandom } from '@shopsense/random';
const EN_NOUNS = [
  'running shoes', 'sneakers', 'boots', 'sandals', 'leather shoes', 't-shirt', 'jacket', 'dress', 'hoodie', 'jeans',
  'laptop', 'headphones', 'earbuds', 'phone', 'smartwatch', 'phone charger', 'blender', 'air fryer', 'coffee maker', 'mug',
  'water bottle', 'frying pan', 'bedding set', 'face cream', 'lipstick', 'shampoo', 'building blocks', 'plush toy', 'remote control car', 'backpack',
  'handbag', 'yoga mat', 'dumbbells', 'cycling helmet', 'basketball', 'green tea', 'coffee beans', 'snacks', 'fresh fruit', 'milk',
];
const EN_COLOURS = ['red', 'black', 'blue', 'white', 'pink', 'green', 'grey'];
const EN_QUALIFIERS = ['', 'for women', 'for men', 'for kids', 'lightweight', 'waterproof', 'wireless', 'cheap', 'under 50', 'under 100', 'under 200'];

const ZH_NOUNS = [
  '跑鞋', '运动鞋', '靴子', '凉鞋', '皮鞋', 'T恤', '夹克', '连衣裙', '卫衣', '牛仔裤',
  '笔记本电脑', '耳机', '无线耳机', '手机', '智能手表', '充电器', '榨汁机', '空气炸锅', '咖啡机', '杯子',
  '保温杯', '炒锅', '床上用品', '面霜', '口红', '洗发水', '积木', '毛绒玩具', '遥控车', '双肩包',
  '手提包', '瑜伽垫', '哑铃', '骑行头盔', '篮球', '绿茶', '咖啡豆', '零食', '水果', '牛奶',
];
const ZH_COLOURS = ['红色', '黑色', '蓝色', '白色', '粉色'];
const ZH_QUALIFIERS = ['', '女款', '男款', '儿童', '轻便', '防水', '100元以下', '200元以内'];

/** A deterministic shuffle (mulberry32), so two runs send the same queries in the same order. */
function shuffled<T>(items: T[], seed: number): T[] {
  const next = seededRandom(seed).next;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every distinct query of the generator (about 4,700), English and Chinese interleaved, in a fixed random order. */
export function searchQueries(seed = 7): string[] {
  const en = EN_NOUNS.flatMap((noun) => EN_COLOURS.flatMap((colour) => EN_QUALIFIERS.map((q) => [colour, noun, q].filter(Boolean).join(' '))));
  const zh = ZH_NOUNS.flatMap((noun) => ZH_COLOURS.flatMap((colour) => ZH_QUALIFIERS.map((q) => `${q}${colour}${noun}`)));
  return shuffled([...en, ...zh], seed);
}

/** Hands out each query once; throws when the pool runs out (a longer run needs a bigger pool, not cache hits). */
export class QueryPool {
  private next = 0;
  constructor(private readonly queries: readonly string[]) {}
  take(): string {
    const query = this.queries[this.next];
    if (query === undefined) throw new Error(`the query pool of ${this.queries.length} distinct queries is exhausted`);
    this.next += 1;
    return query;
  }
  get remaining(): number {
    return this.queries.length - this.next;
  }
}
