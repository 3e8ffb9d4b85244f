import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';
import type { ChineseSegmenter } from '../domain/text/text-analyzer';

/**
 * Chinese segmentation with jieba (@node-rs/jieba, the Rust implementation): the default
 * dictionary plus the catalog's own words. Added words are kept whole from then on; a word of a
 * deleted brand stays in the segmenter, which only keeps that word whole, and avoids reloading
 * the ~200 ms default dictionary on every catalog change.
 */
export class JiebaSegmenter implements ChineseSegmenter {
  private readonly jieba = Jieba.withDict(dict);

  cut(han: string): string[] {
    return this.jieba.cut(han, true);
  }

  addWords(words: readonly string[]): void {
    // jieba's user dictionary format: "word frequency" per line. A high frequency makes the
    // segmenter prefer the whole word over the pieces its default dictionary knows.
    this.jieba.loadDict(Buffer.from(words.map((w) => `${w} ${USER_WORD_FREQUENCY}`).join('\n') + '\n', 'utf8'));
  }
}

const USER_WORD_FREQUENCY = 20_000;
