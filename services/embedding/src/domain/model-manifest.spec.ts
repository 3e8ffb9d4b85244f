import { parseModelManifest } from './model-manifest';

describe('parseModelManifest', () => {
  const valid = { name: 'm', version: 'v1', dimension: 384, maxLength: 256, pooling: 'mean', normalize: true, queryPrefix: 'query: ', documentPrefix: 'passage: ' };

  it('accepts a complete manifest', () => {
    expect(parseModelManifest(valid, 'x')).toEqual(valid);
  });

  it('defaults prefixes to none', () => {
    const { queryPrefix: _q, documentPrefix: _d, ...rest } = valid;
    expect(parseModelManifest(rest, 'x')).toMatchObject({ queryPrefix: '', documentPrefix: '' });
  });

  it('names every problem', () => {
    expect(() => parseModelManifest({ ...valid, dimension: 0, pooling: 'max', version: '' }, 'dir/shopsense-model.json')).toThrow(
      "invalid model manifest dir/shopsense-model.json: version must be a non-empty string; dimension must be an integer in 1..16384; pooling must be 'mean' or 'cls'",
    );
  });
});
