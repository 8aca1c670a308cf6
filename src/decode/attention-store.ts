/**
 * The attention rows a search keeps (for <unk> replacement and the attention view): each step's [rows × S]
 * block copied into large blocks allocated now and then, never per step or per hypothesis. A hypothesis
 * finds its rows by (step, row); `row` copies one out, cut to the sentence's length, when the results are built.
 */
const MAX_BLOCK_FLOATS = 1 << 20;

export class AttentionStore {
  private readonly blocks: Float32Array[] = [];
  private readonly stepBlock: number[] = [];
  private readonly stepOffset: number[] = [];
  private used = 0;

  private readonly blockFloats: number;

  /** `expectedFloats`: what the search will keep at most (the first block's size, up to 4 MB). */
  constructor(
    readonly srcLen: number,
    expectedFloats: number,
  ) {
    this.blockFloats = Math.max(1024, Math.min(MAX_BLOCK_FLOATS, expectedFloats));
  }

  /** Keeps the first `rows` rows of this step's attention (rows × srcLen floats); steps are numbered 0, 1, … */
  addStep(attention: Float32Array, rows: number): void {
    const n = rows * this.srcLen;
    let block = this.blocks[this.blocks.length - 1];
    if (!block || this.used + n > block.length) {
      block = new Float32Array(Math.max(this.blockFloats, n));
      this.blocks.push(block);
      this.used = 0;
    }
    block.set(attention.length === n ? attention : attention.subarray(0, n), this.used);
    this.stepBlock.push(this.blocks.length - 1);
    this.stepOffset.push(this.used);
    this.used += n;
  }

  /** A copy of the first `length` weights of row `row` of step `step`. */
  row(step: number, row: number, length: number): Float32Array {
    const at = this.stepOffset[step] + row * this.srcLen;
    return this.blocks[this.stepBlock[step]].slice(at, at + length);
  }
}
