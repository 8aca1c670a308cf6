/** Reference handling shared by BLEU and chrF (sacrebleu Metric._cache_references), and the version tag. */
import { InputError } from '../errors.js';

/**
 * The version field of our signatures. We are not sacreBLEU, so we do not claim its version: the
 * tag names this implementation; docs/evaluation.md states which sacreBLEU release (2.6.0) it matches.
 */
export const EVAL_VERSION = 'seq2seq-0.1.0';

/**
 * Transposes reference streams into per-segment reference lists, dropping empty references (a
 * segment may have fewer references). numRefs is the common count, or -1 when it varies.
 */
export function collectReferences(
  numSegments: number,
  refStreams: readonly (readonly string[])[],
): { perSegment: string[][]; numRefs: number } {
  if (refStreams.length === 0) throw new InputError('no references given');
  for (const [k, s] of refStreams.entries()) {
    if (s.length !== numSegments)
      throw new InputError(`reference set ${k + 1} has ${s.length} segments but there are ${numSegments} hypotheses`);
  }
  const perSegment: string[][] = [];
  const counts = new Set<number>();
  for (let i = 0; i < numSegments; i++) {
    const lines = refStreams.map((s) => s[i]).filter((x) => x !== undefined && x !== null && x !== '');
    if (lines.length === 0) throw new InputError(`segment ${i + 1}: every reference is empty`);
    counts.add(lines.length);
    perSegment.push(lines);
  }
  const numRefs = counts.size === 1 ? [...counts][0] : counts.size === 0 ? refStreams.length : -1;
  return { perSegment, numRefs };
}
