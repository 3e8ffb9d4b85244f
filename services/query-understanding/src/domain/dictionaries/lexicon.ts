/**
 * Language knowledge that no catalog states: how shoppers say a colour, a gender or a material
 * in English and Chinese, and the words that express a preference rather than a product. An
 * alias only becomes a filter when its canonical value exists in the catalog's own attributes
 * (see build-dictionaries), so this list never invents a filter the catalog cannot satisfy.
 */

/** Canonical attribute value → other ways to say it. */
export const ATTRIBUTE_VALUE_ALIASES: Readonly<Record<string, readonly string[]>> = {
  // Colours
  black: ['黑色', '黑'],
  white: ['白色', '白'],
  red: ['红色', '红'],
  blue: ['蓝色', '蓝'],
  green: ['绿色', '绿'],
  grey: ['gray', '灰色', '灰'],
  gray: ['grey', '灰色', '灰'],
  pink: ['粉色', '粉红色', '粉红', '粉'],
  yellow: ['黄色', '黄'],
  brown: ['棕色', '咖啡色', '褐色'],
  navy: ['navy blue', '藏青色', '藏青', '藏蓝色', '藏蓝'],
  beige: ['米色', '米白色', '卡其色'],
  purple: ['紫色', '紫'],
  orange: ['橙色', '橘色'],
  silver: ['银色', '银'],
  gold: ['金色'],
  // Gender and age groups
  men: ['man', 'mens', "men's", 'male', '男', '男士', '男款', '男式', '男生', '男性', '男子'],
  women: ['woman', 'womens', "women's", 'ladies', 'lady', 'female', '女', '女士', '女款', '女式', '女生', '女性', '女子'],
  kids: ['kid', 'children', 'child', "kids'", '儿童', '童', '童款', '孩子', '小孩'],
  unisex: ['中性', '男女通用', '男女同款'],
  // Materials
  // No single-character material words: "棉" is also the end of "记忆棉" (memory foam).
  cotton: ['纯棉', '全棉'],
  leather: ['genuine leather', '真皮', '皮革', '牛皮'],
  polyester: ['涤纶', '聚酯纤维'],
  wool: ['羊毛'],
  linen: ['亚麻'],
  denim: ['牛仔布'],
  'stainless steel': ['不锈钢'],
  'cast iron': ['铸铁'],
  aluminium: ['aluminum', '铝合金'],
  ceramic: ['陶瓷'],
  glass: ['玻璃'],
  canvas: ['帆布'],
  suede: ['麂皮', '翻毛皮'],
  nylon: ['尼龙'],
  silk: ['真丝', '丝绸'],
  // Coffee roast
  dark: ['dark roast', '深烘', '深度烘焙', '深烘焙'],
  medium: ['medium roast', '中烘', '中度烘焙', '中烘焙'],
  light: ['light roast', '浅烘', '浅度烘焙', '浅烘焙'],
  // Connectivity
  bluetooth: ['蓝牙'],
  wireless: ['无线'],
  wired: ['有线'],
};

export interface BoostCue {
  phrase: string;
  field: string;
  value: string;
  weight: number;
}

/**
 * Soft preferences: "cheap" does not mean "under some price", it means "prefer lower prices",
 * so it becomes a boost, never a filter; likewise "best rated" (field rating) and "new"
 * (field newness). The ranker orders by the product's place among its kind (price, the
 * `rating` attribute, the last catalog update). Superlatives weigh more than the plain word.
 */
export const BOOST_CUES: readonly BoostCue[] = [
  ...['cheap', 'affordable', 'budget', 'inexpensive', 'low price', 'low cost', 'bargain', '便宜', '实惠', '平价', '低价', '廉价', '便宜点', '性价比'].map(
    (phrase) => ({ phrase, field: 'price', value: 'low', weight: 0.5 }),
  ),
  ...['cheapest', 'lowest price', '最便宜', '最低价'].map((phrase) => ({ phrase, field: 'price', value: 'low', weight: 0.8 })),
  ...['expensive', 'luxury', 'high end', 'high-end', 'upscale', '高端', '奢华', '高档', '贵的'].map((phrase) => ({ phrase, field: 'price', value: 'high', weight: 0.5 })),
  ...['best', 'top rated', 'highly rated', 'well rated', '好评', '高评分', '口碑好'].map((phrase) => ({ phrase, field: 'rating', value: 'high', weight: 0.5 })),
  ...['best rated', 'highest rated', '评分最高', '好评最多'].map((phrase) => ({ phrase, field: 'rating', value: 'high', weight: 0.8 })),
  // Not a bare "new": it is part of too many names ("new balance", "new york").
  ...['new arrival', 'new arrivals', 'latest', '新款', '新品', '新上市'].map((phrase) => ({ phrase, field: 'newness', value: 'high', weight: 0.5 })),
  ...['newest', '最新', '最新款'].map((phrase) => ({ phrase, field: 'newness', value: 'high', weight: 0.8 })),
];

/** Phrases that ask for products that can be bought now. */
export const IN_STOCK_CUES: readonly string[] = ['in stock', 'available now', '有货', '现货', '有库存'];

/**
 * Attribute names whose short values ("42", "m") are sizes, and the words that announce a size
 * ("size 42", "42码", "尺码m"). A bare "42" or "m" is far too ambiguous to filter on.
 */
export const SIZE_KEYS: ReadonlySet<string> = new Set(['size', 'shoe size', 'clothing size', '尺码']);
export const SIZE_CUES_BEFORE: readonly string[] = ['size', 'sz', 'eu', 'us', 'uk', '尺码', '码数', '尺寸'];
export const SIZE_CUES_AFTER: readonly string[] = ['码', '号'];

/**
 * Words a company adds to its brand name that shoppers leave out: "VELCRO Brand" is "velcro",
 * "Rubbermaid Commercial Products" is "rubbermaid", "The Hillman Group" is "hillman".
 */
export const BRAND_DESIGNATORS: ReadonlySet<string> = new Set([
  'brand', 'brands', 'products', 'product', 'commercial', 'industries', 'inc', 'co', 'corp', 'corporation', 'company', 'group', 'ltd', 'llc', 'mfg',
  'manufacturing', 'international', 'intl',
]);

/** Brand names that mean "no brand": never a brand filter. */
export const NON_BRANDS: ReadonlySet<string> = new Set(['generic', 'unbranded', 'unknown', 'none', 'n/a', 'na', 'other', 'oem', 'no brand', '无品牌', '其他']);
