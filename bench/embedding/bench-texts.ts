/**
 * Product-like texts for benchmarks, made up from word lists (no third-party text), a mix of
 * short English and Chinese titles and longer descriptions, deterministic for a given count.
 */
const EN_ADJ = ['lightweight', 'waterproof', 'wireless', 'organic', 'stainless steel', 'foldable', 'breathable', 'ergonomic', 'rechargeable', 'vintage'];
const EN_NOUN = ['running shoes', 'headphones', 'backpack', 'coffee maker', 'desk lamp', 'yoga mat', 'water bottle', 'keyboard', 'rain jacket', 'microscope'];
const EN_TAIL = ['for men', 'for women', 'for kids', 'with carrying case', 'in black', '2-pack', 'with USB-C charging', 'for outdoor use'];
const ZH_ADJ = ['轻便', '防水', '无线', '有机', '不锈钢', '可折叠', '透气', '人体工学', '充电式', '复古'];
const ZH_NOUN = ['跑步鞋', '耳机', '双肩包', '咖啡机', '台灯', '瑜伽垫', '水杯', '键盘', '雨衣', '显微镜'];
const ZH_TAIL = ['男款', '女款', '儿童', '带收纳袋', '黑色', '两件装', '快充', '户外'];

export function benchTexts(count: number): string[] {
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const pick = <T>(list: T[], salt: number) => list[(i * 7 + salt * 13 + Math.floor(i / list.length)) % list.length]!;
    if (i % 2 === 0) {
      const title = `${pick(EN_ADJ, 1)} ${pick(EN_NOUN, 2)} ${pick(EN_TAIL, 3)}`;
      texts.push(i % 6 === 0 ? `${title}. Durable ${pick(EN_ADJ, 4)} design, easy to clean, ideal as a gift; ${pick(EN_ADJ, 5)} and ${pick(EN_ADJ, 6)} ${pick(EN_NOUN, 7)} compatible.` : title);
    } else {
      const title = `${pick(ZH_ADJ, 1)}${pick(ZH_NOUN, 2)} ${pick(ZH_TAIL, 3)}`;
      texts.push(i % 6 === 1 ? `${title}，${pick(ZH_ADJ, 4)}设计，经久耐用，适合送礼，${pick(ZH_ADJ, 5)}${pick(ZH_NOUN, 6)}` : title);
    }
  }
  return texts;
}
