/** Packs id sequences into the model's padded time-major source layout, exactly as makeBatch does for training. */
import { EOS_ID } from '../data/batch.js';

export interface SourceBatch {
  /** [S×B] ids, 0 = <pad>. */
  src: Int32Array;
  /** [B] lengths (≥ 1: an empty source is a lone </s>, as in training). */
  lengths: Int32Array;
  batchSize: number;
  srcLen: number;
}

export function packSources(sources: readonly ArrayLike<number>[]): SourceBatch {
  const B = sources.length;
  let S = 1;
  for (const s of sources) S = Math.max(S, s.length);
  const src = new Int32Array(S * B);
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const s = sources[b];
    if (s.length === 0) src[b] = EOS_ID;
    for (let t = 0; t < s.length; t++) src[t * B + b] = s[t];
    lengths[b] = Math.max(1, s.length);
  }
  return { src, lengths, batchSize: B, srcLen: S };
}
