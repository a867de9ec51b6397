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

/**
 * One to four seeded edits of `bytes`: a bit flip, a random byte, an extreme 32-bit integer from `special`, an
 * insertion, a deletion, a splice of the file into itself, and with `truncate` a cut at a random place.
 */
export function mutateBytes(bytes: Buffer, below: (n: number) => number,
  options: { special: readonly number[]; truncate: boolean }): Buffer {
  let result = Buffer.from(bytes);
  const edits = 1 + below(4);
  for (let e = 0; e < edits && result.length > 0; e++) {
    const at = below(result.length);
    const kind = below(options.truncate ? 7 : 6);
    if (kind === 0) result[at] ^= 1 << below(8);
    else if (kind === 1) result[at] = below(256);
    else if (kind === 2) { if (at + 4 <= result.length) result.writeUInt32LE(options.special[below(options.special.length)] >>> 0, at); }
    else if (kind === 3) result = Buffer.concat([result.subarray(0, at), Buffer.from(Array.from({ length: 1 + below(8) }, () => below(256))), result.subarray(at)]);
    else if (kind === 4) result = Buffer.concat([result.subarray(0, at), result.subarray(Math.min(result.length, at + 1 + below(16)))]);
    else if (kind === 5 && options.truncate) result = result.subarray(0, at);
    else { const from = below(result.length); result = Buffer.concat([result.subarray(0, at), result.subarray(from, from + below(32)), result.subarray(at)]); }
  }
  return result;
}
