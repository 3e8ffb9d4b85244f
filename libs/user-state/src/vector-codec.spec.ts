import fc from 'fast-check';
import { cosine, dequantizeInt8, quantizeInt8, quantizeInt8Into } from './vector-codec';

describe('int8 vector codec', () => {
  it('round-trips any vector within half a quantisation step per component', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 64 }), (values) => {
        const { scale, values: q } = quantizeInt8(values);
        const back = dequantizeInt8(q, scale);
        values.forEach((v, i) => expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(scale / 2 + 1e-6));
      }),
    );
  });

  it('keeps the cosine of a 384-d unit vector with itself above 0.9999', () => {
    const v = Float32Array.from({ length: 384 }, (_, i) => Math.sin(i * 1.7) + 0.3 * Math.cos(i * 0.11));
    const { scale, values } = quantizeInt8(v);
    expect(cosine(v, dequantizeInt8(values, scale))).toBeGreaterThan(0.9999);
  });

  it('quantises into a buffer exactly as into its own array', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 32 }), (values) => {
        const target = Buffer.alloc(values.length + 4, 0x55);
        const scale = quantizeInt8Into(values, target, 2);
        const own = quantizeInt8(values);
        expect(scale).toBe(own.scale);
        expect(Array.from(new Int8Array(target.buffer, target.byteOffset + 2, values.length))).toEqual(Array.from(own.values));
        expect([target[0], target[1], target[values.length + 2], target[values.length + 3]]).toEqual([0x55, 0x55, 0x55, 0x55]);
      }),
    );
  });

  it('encodes the zero vector with scale 0', () => {
    const { scale, values } = quantizeInt8([0, 0, 0]);
    expect(scale).toBe(0);
    expect(Array.from(dequantizeInt8(values, scale))).toEqual([0, 0, 0]);
    expect(cosine([0, 0], [1, 0])).toBe(0);
  });
});
