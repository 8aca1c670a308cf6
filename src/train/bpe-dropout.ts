/**
 * BPE-dropout for training (Provilkov et al. 2020): every epoch the training pairs are segmented
 * afresh, each BPE merge dropped with probability p (src/text/bpe-model.ts), so the model sees
 * many segmentations of each word and learns the subwords' parts. The generator of an epoch is
 * seeded by (seed, epoch): a resumed run re-creates the epoch's segmentations exactly. Validation
 * and decoding use the plain, deterministic encoding.
 */
import type { EncodedPair } from '../data/batcher.js';
import type { SentencePair } from '../data/corpus.js';
import type { Tokenizer } from '../text/tokenizer.js';
import { Rng } from '../util/rng.js';

/** The pairs' encodings for an epoch with merge-drop probability `p` (aligned with `pairs`, ids = indices). */
export function dropoutEpochEncoder(
  pairs: readonly SentencePair[],
  src: Tokenizer,
  tgt: Tokenizer,
  p: number,
  seed: number,
): (epoch: number) => EncodedPair[] {
  return (epoch) => {
    const dropout = { p, rng: new Rng(epochSeed(seed, epoch)) };
    return pairs.map((x, id) => ({ src: src.encode(x.src, dropout), tgt: tgt.encode(x.tgt, dropout), id }));
  };
}

/** A 32-bit mix of the run's seed and the epoch, apart from the batcher's shuffling seeds. */
export function epochSeed(seed: number, epoch: number): number {
  let h = Math.imul((seed ^ 0x5bd1e995) >>> 0, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (epoch + 0x27d4eb2f), 0x85ebca77) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}
