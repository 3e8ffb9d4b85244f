import { detectLanguage, languageOfLocale } from './language';

describe('detectLanguage', () => {
  it.each([
    ['蓝牙耳机', '', 'zh'],
    ['running shoes', '', 'en'],
    ['耐克 air max 跑鞋', '', 'mixed'],
    ['蓝牙耳机 sony', '', 'mixed'],
    // Letters glued to digits or Han are model numbers and loan letters, not English words.
    ['3d打印机', '', 'zh'],
    ['t恤', '', 'zh'],
    ['5g手机', '', 'zh'],
    ['42', '', 'unknown'],
    ['42', 'zh-CN', 'zh'],
    ['$50', 'en-US', 'en'],
    ['42', 'fr-FR', 'unknown'],
    ['', '', 'unknown'],
  ])('%j (hint %j) is %s', (text, hint, expected) => {
    expect(detectLanguage(text, hint)).toBe(expected);
  });

  it('reads the primary language of a locale tag', () => {
    expect(languageOfLocale('zh-Hant-TW')).toBe('zh');
    expect(languageOfLocale('EN_gb')).toBe('en');
    expect(languageOfLocale('')).toBe('unknown');
  });
});
