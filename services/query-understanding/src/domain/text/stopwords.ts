/**
 * Function words: never spelling-corrected, never dictionary phrases on their own, and trimmed
 * from the residual text where they are left dangling next to an extracted filter
 * ("shoes for [men]" → "shoes").
 */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'by', 'color', 'colour', 'for', 'from', 'in', 'is', 'of', 'on', 'or', 'price', 'priced', 'size', 'sized',
  'than', 'the', 'to', 'with', 'under', 'less', 'more', 'over', 'below', 'above', 'between', 'around', 'about', 'dollars', 'dollar',
]);

export const CHINESE_STOPWORDS: ReadonlySet<string> = new Set([
  '的', '了', '和', '与', '及', '或', '在', '买', '要', '想', '有', '给', '用', '是', '款', '个', '件', '双', '只', '一', '些', '啊', '吗', '呢', '吧',
  '色', '颜色', '价格', '价位', '左右', '之间', '码', '号', '尺码',
]);

export function isStopword(token: string): boolean {
  return ENGLISH_STOPWORDS.has(token) || CHINESE_STOPWORDS.has(token);
}
