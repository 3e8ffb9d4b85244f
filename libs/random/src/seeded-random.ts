/**
 * Seeded pseudo-random numbers for simulations and property tests: the same seed gives the same
 * sequence on every machine, so a simulated experiment or click log is reproducible and a failing
 * run can be replayed. Not for anything secret.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** true with probability p. */
  bernoulli(p: number): boolean;
  /** Successes in n independent trials of probability p (exact, by geometric skips between successes). */
  binomial(n: number, p: number): number;
}

/** mulberry32: a tiny 32-bit generator with good statistical quality for simulations. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  let spareNormal: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spareNormal !== undefined) {
        const value = spareNormal;
        spareNormal = undefined;
        return value;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spareNormal = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v);
    },
    bernoulli: (p) => next() < p,
    binomial: (n, p) => {
      if (p <= 0) return 0;
      if (p >= 1) return n;
      // The gap before the next success is geometric: about n·p draws instead of n.
      const logMiss = Math.log1p(-p);
      let successes = 0;
      let position = 0;
      for (;;) {
        position += Math.floor(Math.log(1 - next()) / logMiss) + 1;
        if (position > n) return successes;
        successes++;
      }
    },
  };
}
