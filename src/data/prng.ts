// A small seeded pseudo-random generator (xoshiro128**), independent of libtorch's global generator, so that
// data order and augmentation depend only on (seed, purpose, epoch, batch) — what bit-exact resume needs.

const MASK32 = 0xffffffff;

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
function mix32(value: number): number {
  value ^= value >>> 16;
  value = Math.imul(value, 0x85ebca6b);
  value ^= value >>> 13;
  value = Math.imul(value, 0xc2b2ae35);
  value ^= value >>> 16;
  return value >>> 0;
}

function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export type StreamKey = number | string;

export class Rng {
  #s0: number; #s1: number; #s2: number; #s3: number;
  #spareNormal: number | null = null;

  /**
   * A generator for one stream: `new Rng(seed, 'shuffle', epoch)` always yields the same numbers, and differs
   * from `new Rng(seed, 'shuffle', epoch + 1)` or `new Rng(seed, 'augment', epoch)`. Keys are non-negative
   * integers below 2^53 or strings.
   */
  constructor(seed: number, ...keys: StreamKey[]) {
    let state = 0x9e3779b9;
    for (const key of [seed, ...keys]) {
      if (typeof key === 'number') {
        if (!Number.isSafeInteger(key) || key < 0) {
          throw new RangeError(`Rng: seeds and stream keys must be non-negative safe integers or strings, got ${key}`);
        }
        state = mix32(state ^ mix32(key >>> 0) ^ Math.imul(mix32(Math.floor(key / 2 ** 32) + 0x632be5ab), 3));
      } else {
        state = mix32(state ^ hashString(key) ^ 0x5bd1e995);
      }
      state = mix32(state + 0x7f4a7c15);
    }
    // splitmix32-style expansion of the 32-bit state into the 128-bit xoshiro state (never all zero)
    const next = (): number => { state = (state + 0x9e3779b9) >>> 0; return mix32(state); };
    this.#s0 = next(); this.#s1 = next(); this.#s2 = next(); this.#s3 = next() | 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0; this.#s3 ^= this.#s1; this.#s1 ^= this.#s2; this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, bound), without modulo bias (bound ≤ 2^32). */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) {
      throw new RangeError(`Rng.nextInt: bound must be an integer in [1, 2^32], got ${bound}`);
    }
    const limit = 2 ** 32 - (2 ** 32 % bound); // accept draws below the largest multiple of bound
    for (;;) {
      const draw = this.nextUint32();
      if (draw < limit) return draw % bound;
    }
  }

  /** Standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  nextNormal(): number {
    if (this.#spareNormal !== null) { const spare = this.#spareNormal; this.#spareNormal = null; return spare; }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.nextFloat();
    this.#spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new RangeError(`Rng.permutation: bad length ${n}`);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const held = order[i]; order[i] = order[j]; order[j] = held;
    }
    return order;
  }
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) & MASK32;
}
