/**
 * A small deterministic pseudo-random generator (mulberry32). The sandboxes build their data sets
 * and decide fault injection with it, so two runs with the same seed see the same ids, names and
 * fault sequence.
 *
 * @example
 * ```ts
 * const rng = new SeededRandom(42)
 * rng.int(1, 6) // the same number on every run
 * rng.pick(["a", "b", "c"])
 * ```
 *
 * @since 0.1.0
 */
export class SeededRandom {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0 || 0x9e3779b9
  }

  /**
   * A float in [0, 1).
   *
   * @example
   * ```ts
   * new SeededRandom(1).next() < 1 // true
   * ```
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /**
   * An integer in [min, max], both included.
   *
   * @example
   * ```ts
   * new SeededRandom(1).int(1, 3) // 1, 2 or 3
   * ```
   */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /**
   * One element of a non-empty array.
   *
   * @example
   * ```ts
   * new SeededRandom(1).pick(["x", "y"])
   * ```
   */
  pick<A>(items: readonly A[]): A {
    return items[Math.floor(this.next() * items.length)] as A
  }

  /**
   * `true` with the given probability.
   *
   * @example
   * ```ts
   * new SeededRandom(1).chance(1) // true
   * ```
   */
  chance(probability: number): boolean {
    return this.next() < probability
  }

  /**
   * A string of lower-case hex digits.
   *
   * @example
   * ```ts
   * new SeededRandom(1).hex(8).length // 8
   * ```
   */
  hex(length: number): string {
    let out = ""
    while (out.length < length)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, "0")
    return out.slice(0, length)
  }

  /**
   * A version-4-shaped UUID made from this generator (deterministic, not random).
   *
   * @example
   * ```ts
   * new SeededRandom(1).uuid() // "3f1c…-…-4…-8…-…"
   * ```
   */
  uuid(): string {
    const h = this.hex(32)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[this.int(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`
  }
}
