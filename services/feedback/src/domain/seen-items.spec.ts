import { touchSeen } from './seen-items';

describe('touchSeen', () => {
  it('keeps items distinct, the one touched last at the end', () => {
    const seen: number[] = [];
    for (const ref of [1, 2, 3, 1]) touchSeen(seen, ref, 10);
    expect(seen).toEqual([2, 3, 1]);
  });

  it('drops the least recently touched past the bound, and nothing at all with a bound of 0', () => {
    const seen: number[] = [];
    for (let ref = 1; ref <= 5; ref++) touchSeen(seen, ref, 3);
    touchSeen(seen, 3, 3);
    expect(seen).toEqual([4, 5, 3]);
    const none: number[] = [];
    touchSeen(none, 7, 0);
    expect(none).toEqual([]);
  });
});
