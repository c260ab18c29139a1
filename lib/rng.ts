/**
 * The kit's seeded random number generator (re-exported by `random.ts`), on its own so that
 * code that only samples (the studio's page) needs nothing else of the library.
 *
 * @module
 */

/**
 * A seeded generator (SplitMix32 seeding into xoshiro128**): uniform floats in `[0, 1)` and
 * standard normals.
 *
 * @example
 * ```ts
 * import { Rng } from "./rng.ts";
 * const rng = new Rng(42);
 * const u = rng.uniform(); // the same number on every run
 * ```
 */
export class Rng {
  #s = new Uint32Array(4);
  #spare: number | null = null;

  /** @param seed any integer; equal seeds give equal sequences */
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** The next 32 random bits. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in `[0, 1)`. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Fills `out` with normal samples of mean 0 and standard deviation `std` (Marsaglia's polar
   * method: two samples per accepted pair of uniforms, no trigonometry).
   *
   * @param out the buffer to fill
   * @param std the standard deviation
   */
  fillNormal(out: Float32Array, std = 1): void {
    for (let i = 0; i < out.length;) {
      let u: number, v: number, s: number;
      do {
        u = 2 * this.uniform() - 1;
        v = 2 * this.uniform() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const f = std * Math.sqrt(-2 * Math.log(s) / s);
      out[i++] = u * f;
      if (i < out.length) out[i++] = v * f;
    }
  }

  /** A standard normal sample (Box–Muller, two per pair of uniforms). */
  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    const u = 1 - this.uniform(), v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
