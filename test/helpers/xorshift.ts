// A seeded xorshift32 stream for the fuzz corpora: the same seed gives the same mutations on every machine.
export function xorshift(seed: number): { random: () => number; below: (n: number) => number } {
  let state = seed >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
  return { random, below: (n: number): number => Math.floor(random() * n) };
}
