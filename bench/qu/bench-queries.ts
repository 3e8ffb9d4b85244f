/**
 * Distinct shopping queries for the query-understanding benchmark, made up from word lists (no
 * third-party text): English, Chinese and mixed, with brands, colours, sizes, price phrases,
 * preferences and typos, in the proportions a search box sees. Deterministic for a given seed.
 */
import { seededRandom } from '@shopsense/random';
const EN_BRANDS = ['nike', 'adidas', 'sony', 'xiaomi', 'huawei', 'apple', 'lego', 'uniqlo', 'philips', "l'oreal", 'decathlon', 'voltra', 'anta', 'li ning'];
const ZH_BRANDS = ['耐克', '阿迪达斯', '索尼', '小米', '华为', '乐高', '优衣库', '飞利浦', '欧莱雅', '迪卡侬', '安踏', '李宁', '美的', '苏泊尔'];
const EN_NOUNS = ['running shoes', 'sneakers', 'boots', 'sandals', 't-shirt', 'hoodie', 'jacket', 'dress', 'jeans', 'headphones', 'earbuds', 'bluetooth speaker', 'smartphone', 'phone case', 'laptop', 'wireless mouse', 'mechanical keyboard', 'smartwatch', 'power bank', 'frying pan', 'vacuum flask', 'rice cooker', 'electric kettle', 'pillow', 'face cream', 'lipstick', 'shampoo', 'yoga mat', 'dumbbells', 'bike helmet', 'basketball', 'building blocks', 'plush toy', 'remote control car', 'coffee beans', 'green tea', 'milk', 'apples', 'mixed nuts', 'backpack', 'handbag'];
const ZH_NOUNS = ['跑鞋', '板鞋', '登山靴', '凉鞋', 'T恤', '卫衣', '夹克', '连衣裙', '牛仔裤', '蓝牙耳机', '音箱', '手机', '手机壳', '笔记本电脑', '无线鼠标', '机械键盘', '智能手表', '充电宝', '平底锅', '保温杯', '电饭煲', '电热水壶', '枕头', '面霜', '口红', '洗发水', '瑜伽垫', '哑铃', '骑行头盔', '篮球', '积木', '毛绒玩具', '遥控车', '咖啡豆', '绿茶', '牛奶', '苹果', '坚果', '双肩包', '手提包'];
const EN_COLORS = ['black', 'white', 'red', 'blue', 'grey', 'pink', 'navy', 'green', 'beige', 'purple'];
const ZH_COLORS = ['黑色', '白色', '红色', '蓝色', '灰色', '粉色', '藏青色', '绿色', '米色', '紫色'];
const EN_EXTRAS = ["for men", "for women", "men's", "women's", 'size 42', 'size m', 'xl', '256gb', '500ml', 'in stock', 'waterproof', 'lightweight', 'with gps', 'cotton', 'leather', 'stainless steel'];
const ZH_EXTRAS = ['男款', '女款', '42码', 'm码', 'xl', '256gb', '500ml', '有货', '防水', '轻便', '纯棉', '真皮', '不锈钢', '儿童'];
const EN_PRICES = (n: number) => [`under $${n}`, `below ${n}`, `${n}-${n * 2} dollars`, `between ${n} and ${n * 3}`, `over $${n}`, `around $${n}`, `$${n}+`];
const ZH_PRICES = (n: number) => [`${n}元以下`, `${n}到${n * 2}元`, `${n}以上`, `低于${n}元`, `${n}块以内`, `价格${n}左右`];
const PREFERENCES = ['cheap', 'cheapest', 'affordable', '便宜的', '最便宜的', '高端'];

/** Uniform numbers in [0, 1) from a seed: the same sequence on every run. */
function prng(seed: number): () => number {
  return seededRandom(seed).next;
}

/** One typo a hurried typist makes: a swap, a dropped or a doubled letter. */
function typo(word: string, random: () => number): string {
  if (word.length < 5 || /[^a-z]/.test(word)) return word;
  const i = 1 + Math.floor(random() * (word.length - 2));
  const kind = Math.floor(random() * 3);
  if (kind === 0) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  if (kind === 1) return word.slice(0, i) + word.slice(i + 1);
  return word.slice(0, i) + word[i] + word.slice(i);
}

export function benchQueries(count: number, seed: number): string[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const maybe = (p: number, text: () => string) => (random() < p ? text() : '');
  const out = new Set<string>();
  while (out.size < count) {
    const style = random();
    const price = 10 * (1 + Math.floor(random() * 50));
    let parts: string[];
    if (style < 0.4) {
      parts = [maybe(0.15, () => pick(PREFERENCES.slice(0, 3))), maybe(0.4, () => pick(EN_BRANDS)), maybe(0.35, () => pick(EN_COLORS)), pick(EN_NOUNS), maybe(0.35, () => pick(EN_EXTRAS)), maybe(0.3, () => pick(EN_PRICES(price)))];
      if (random() < 0.15) parts = parts.map((p) => p.split(' ').map((w) => (random() < 0.5 ? typo(w, random) : w)).join(' '));
    } else if (style < 0.75) {
      parts = [maybe(0.3, () => pick(ZH_PRICES(price))), maybe(0.15, () => pick(PREFERENCES.slice(3))), maybe(0.4, () => pick(ZH_BRANDS)), maybe(0.35, () => pick(ZH_COLORS)), pick(ZH_NOUNS), maybe(0.35, () => pick(ZH_EXTRAS))];
      if (random() < 0.5) parts = [parts.join('')];
    } else {
      parts = [maybe(0.5, () => pick(EN_BRANDS)), maybe(0.3, () => pick(ZH_COLORS)), random() < 0.5 ? pick(ZH_NOUNS) : pick(EN_NOUNS), maybe(0.3, () => pick(random() < 0.5 ? ZH_EXTRAS : EN_EXTRAS)), maybe(0.25, () => pick(random() < 0.5 ? ZH_PRICES(price) : EN_PRICES(price)))];
    }
    const query = parts.filter(Boolean).join(' ');
    if (query.length > 0) out.add(random() < 0.05 ? query.toUpperCase() : query);
  }
  return [...out];
}
