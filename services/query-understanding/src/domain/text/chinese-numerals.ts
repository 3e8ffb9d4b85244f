const DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** Characters a Chinese numeral is written with, for building patterns. */
export const CHINESE_NUMERAL_CHARS = '零〇一二两三四五六七八九十百千万';

/**
 * Parses a Chinese numeral as shoppers write prices: "五十" 50, "两百" 200, "一千二" 1200
 * (a trailing digit after a unit is one step smaller: 一千二 = 1,200), "三千五百" 3,500,
 * "十五" 15, "一万" 10,000. Returns undefined for anything that is not a well-formed numeral.
 */
export function parseChineseNumeral(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const [high, low] = text.includes('万') ? splitOnce(text, '万') : ['', text];
  if (text.includes('万')) {
    const wan = high === '' ? 1 : parseBelowTenThousand(high);
    const rest = low === '' ? 0 : parseBelowTenThousand(low, 10_000);
    return wan === undefined || rest === undefined ? undefined : wan * 10_000 + rest;
  }
  return parseBelowTenThousand(text);
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  if (text.indexOf(separator, at + 1) >= 0) return ['\u0000', ''];
  return [text.slice(0, at), text.slice(at + 1)];
}

/** A numeral below 10,000; `higherUnit` is the unit just above it, for "一万五" (15,000). */
function parseBelowTenThousand(text: string, higherUnit?: number): number | undefined {
  let total = 0;
  let pending: number | undefined;
  let lastUnit = Infinity;
  let zero = false; // "一百零五": after a 零 a trailing digit is literal (105, not 150)
  for (const char of text) {
    if (char === '零' || char === '〇') zero = true;
    else if (char in DIGITS) {
      if (pending !== undefined) return undefined; // two digits in a row: not a numeral
      pending = DIGITS[char];
    } else if (char in UNITS) {
      const unit = UNITS[char];
      if (unit >= lastUnit) return undefined;
      if (pending === undefined && unit !== 10) return undefined; // "百" alone is not a number; "十五" is 15
      total += (pending ?? 1) * unit;
      pending = undefined;
      lastUnit = unit;
      zero = false;
    } else return undefined;
  }
  if (pending !== undefined) {
    // A lone trailing digit is one step below the last unit: 一千二 = 1,200, 两百五 = 250.
    const step = zero ? 1 : lastUnit === Infinity ? (higherUnit ? higherUnit / 10 : 1) : lastUnit / 10;
    total += pending * step;
  }
  return total;
}
