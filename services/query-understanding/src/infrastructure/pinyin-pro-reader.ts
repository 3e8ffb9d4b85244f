import { pinyin } from 'pinyin-pro';
import type { PinyinReader } from '../domain/suggest/suggestion-index';

/**
 * Pinyin with pinyin-pro, which reads polyphonic characters from their context (长裙 is
 * "chang qun", not "zhang qun"). ü is written "v", as pinyin keyboards take it ("nv" for 女).
 */
export class PinyinProReader implements PinyinReader {
  syllables(text: string): string[] {
    return pinyin(text, { toneType: 'none', type: 'array', nonZh: 'removed', v: true }).filter((s) => s !== '');
  }
}
