/**
 * A hash table from strings to small integers that does not keep the strings: each key is stored
 * as two 32-bit hashes in typed arrays (open addressing, linear probing, grown at half full), about
 * 24 bytes a key, so `corpus prepare` can deduplicate and group tens of millions of sentences.
 * Equal hashes are not trusted: the caller confirms a match (`same(value)`), so a collision of two
 * different keys costs a look-up, never a wrong answer.
 */

/** A 32-bit hash of a string's UTF-16 code units (murmur-style mixing), seeded. */
export function hashString(s: string, seed: number): number {
  let h = (seed ^ s.length) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class KeyTable {
  private h1: Uint32Array;
  private h2: Uint32Array;
  private values: Int32Array;
  private used = 0;

  constructor(capacity = 1 << 16) {
    let c = 16;
    while (c < capacity * 2) c *= 2;
    this.h1 = new Uint32Array(c);
    this.h2 = new Uint32Array(c);
    this.values = new Int32Array(c).fill(-1);
  }

  get size(): number {
    return this.used;
  }

  /**
   * The value of `key` if present (a slot with both hashes equal and `same(value)` true); otherwise
   * stores `value` for it and returns -1.
   */
  findOrInsert(key: string, value: number, same: (existing: number) => boolean): number {
    const a = hashString(key, 0x9747b28c);
    const b = hashString(key, 0x1b873593);
    const mask = this.values.length - 1;
    let i = a & mask;
    for (;;) {
      const v = this.values[i];
      if (v < 0) break;
      if (this.h1[i] === a && this.h2[i] === b && same(v)) return v;
      i = (i + 1) & mask;
    }
    this.h1[i] = a;
    this.h2[i] = b;
    this.values[i] = value;
    if (++this.used * 2 > this.values.length) this.grow();
    return -1;
  }

  private grow(): void {
    const { h1, h2, values } = this;
    const c = values.length * 2;
    this.h1 = new Uint32Array(c);
    this.h2 = new Uint32Array(c);
    this.values = new Int32Array(c).fill(-1);
    const mask = c - 1;
    for (let j = 0; j < values.length; j++) {
      if (values[j] < 0) continue;
      let i = h1[j] & mask;
      while (this.values[i] >= 0) i = (i + 1) & mask;
      this.h1[i] = h1[j];
      this.h2[i] = h2[j];
      this.values[i] = values[j];
    }
  }
}
