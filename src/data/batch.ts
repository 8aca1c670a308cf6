/**
 * A padded, time-major batch of B sentence pairs: position (t, b) of a [T×B] array is [t*B + b].
 * Padding id is 0 everywhere. The target is split for teacher forcing:
 *   tgtIn  = <s> y1 … yn      (the decoder's input at each step)
 *   tgtOut = y1 … yn </s>     (what it must predict), both padded to tgtLen.
 */
export interface Batch {
  /** B: number of sentence pairs. */
  size: number;
  /** S: padded source length. */
  srcLen: number;
  /** T: padded target length (counting </s>). */
  tgtLen: number;
  /** [S×B] source ids, time-major, 0 = <pad>. */
  src: Int32Array;
  /** [B] true source lengths (≥ 1). */
  srcLengths: Int32Array;
  /** [T×B] decoder inputs. */
  tgtIn: Int32Array;
  /** [T×B] decoder targets, 0 = <pad>. */
  tgtOut: Int32Array;
  /** [B] true target lengths, counting </s>. */
  tgtLengths: Int32Array;
  /** Σ srcLengths and Σ tgtLengths (non-pad tokens). */
  srcTokens: number;
  tgtTokens: number;
  /** Optional: index of each pair in its corpus (for samples and stable ordering). */
  ids?: number[];
}

export const PAD_ID = 0;
export const UNK_ID = 1;
export const BOS_ID = 2;
export const EOS_ID = 3;

/** Builds a Batch from id sequences (without <s>/</s>; they are added here). */
export function makeBatch(srcSeqs: ArrayLike<number>[], tgtSeqs: ArrayLike<number>[], ids?: number[]): Batch {
  const B = srcSeqs.length;
  if (tgtSeqs.length !== B) throw new Error(`makeBatch: ${B} sources but ${tgtSeqs.length} targets`);
  let S = 1;
  let T = 1;
  for (let b = 0; b < B; b++) {
    S = Math.max(S, srcSeqs[b].length);
    T = Math.max(T, tgtSeqs[b].length + 1);
  }
  const src = new Int32Array(S * B);
  const tgtIn = new Int32Array(T * B);
  const tgtOut = new Int32Array(T * B);
  const srcLengths = new Int32Array(B);
  const tgtLengths = new Int32Array(B);
  let srcTokens = 0;
  let tgtTokens = 0;
  for (let b = 0; b < B; b++) {
    const s = srcSeqs[b];
    const y = tgtSeqs[b];
    // An empty source still gets one step (a lone </s>), so that the encoder has a state.
    if (s.length === 0) src[b] = EOS_ID;
    for (let t = 0; t < s.length; t++) src[t * B + b] = s[t];
    srcLengths[b] = Math.max(1, s.length);
    tgtIn[b] = BOS_ID;
    for (let t = 0; t < y.length; t++) {
      tgtIn[(t + 1) * B + b] = y[t];
      tgtOut[t * B + b] = y[t];
    }
    tgtOut[y.length * B + b] = EOS_ID;
    tgtLengths[b] = y.length + 1;
    srcTokens += srcLengths[b];
    tgtTokens += tgtLengths[b];
  }
  return { size: B, srcLen: S, tgtLen: T, src, srcLengths, tgtIn, tgtOut, tgtLengths, srcTokens, tgtTokens, ids };
}
