/**
 * Statistics of a parallel corpus, computed in one streaming pass: pairs, whitespace-separated
 * tokens and word types per side, length percentiles, target/source length ratios, and what the
 * reader skipped or normalised. Memory grows with the number of distinct lengths, length ratios
 * and word types, not with the size of the corpus.
 *
 * Percentiles are nearest-rank: p_q is the smallest value v with #{x ≤ v} ≥ ⌈q·N⌉.
 */
import { describeCorpus, newCorpusReport, readPairs, type CorpusReport, type CorpusSpec } from './corpus.js';

export interface LengthStats {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface SideStats {
  /** Whitespace-separated tokens over all pairs. */
  tokens: number;
  /** Distinct tokens (case-sensitive). */
  types: number;
  /** Sentence length in tokens. */
  length: LengthStats;
}

export interface RatioStats {
  /** Target length / source length, per pair. */
  mean: number;
  sd: number;
  min: number;
  p1: number;
  p50: number;
  p99: number;
  max: number;
  /** Pairs with a ratio above 3 or below 1/3 (likely misaligned). */
  outliers: number;
}

export interface CorpusStats {
  corpus: string;
  format: CorpusSpec['format'];
  pairs: number;
  src: SideStats;
  tgt: SideStats;
  ratio: RatioStats;
  report: CorpusReport;
}

/** Counts of values, for exact percentiles without keeping every value. */
class Histogram {
  private counts = new Map<number, number>();
  n = 0;
  sum = 0;
  sumSq = 0;

  add(v: number): void {
    this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
    this.n++;
    this.sum += v;
    this.sumSq += v * v;
  }

  /** Nearest-rank percentiles for each q in qs (0 < q ≤ 1); q = 0 gives the minimum. */
  percentiles(qs: number[]): number[] {
    if (this.n === 0) return qs.map(() => 0);
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    return qs.map((q) => {
      const rank = Math.max(1, Math.ceil(q * this.n));
      let seen = 0;
      for (const k of keys) {
        seen += this.counts.get(k)!;
        if (seen >= rank) return k;
      }
      return keys[keys.length - 1];
    });
  }

  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }

  get sd(): number {
    if (this.n === 0) return 0;
    return Math.sqrt(Math.max(0, this.sumSq / this.n - this.mean * this.mean));
  }
}

function lengthStats(h: Histogram): LengthStats {
  const [min, p50, p90, p99, max] = h.percentiles([0, 0.5, 0.9, 0.99, 1]);
  return { min, mean: h.mean, p50, p90, p99, max };
}

function words(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== '');
}

export async function corpusStats(spec: CorpusSpec): Promise<CorpusStats> {
  const report = newCorpusReport();
  const srcLen = new Histogram();
  const tgtLen = new Histogram();
  const ratio = new Histogram();
  const srcTypes = new Set<string>();
  const tgtTypes = new Set<string>();
  let srcTokens = 0;
  let tgtTokens = 0;
  let outliers = 0;
  for await (const p of readPairs(spec, report)) {
    const s = words(p.src);
    const t = words(p.tgt);
    srcLen.add(s.length);
    tgtLen.add(t.length);
    srcTokens += s.length;
    tgtTokens += t.length;
    for (const w of s) srcTypes.add(w);
    for (const w of t) tgtTypes.add(w);
    const r = t.length / s.length; // both ≥ 1: empty sides are skipped by the reader
    ratio.add(r);
    if (r > 3 || r < 1 / 3) outliers++;
  }
  const [rmin, p1, p50, p99, rmax] = ratio.percentiles([0, 0.01, 0.5, 0.99, 1]);
  return {
    corpus: describeCorpus(spec),
    format: spec.format,
    pairs: report.pairs,
    src: { tokens: srcTokens, types: srcTypes.size, length: lengthStats(srcLen) },
    tgt: { tokens: tgtTokens, types: tgtTypes.size, length: lengthStats(tgtLen) },
    ratio: { mean: ratio.mean, sd: ratio.sd, min: rmin, p1, p50, p99, max: rmax, outliers },
    report,
  };
}

/** A plain-text table of the statistics. */
export function formatCorpusStats(st: CorpusStats): string {
  const f = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));
  const row = (label: string, a: string, b: string): string => `${label.padEnd(14)}${a.padStart(12)}${b.padStart(12)}`;
  const r = st.report;
  const lines = [
    `corpus        ${st.corpus}`,
    `pairs         ${st.pairs}`,
    `read          ${r.lines} lines; skipped ${r.skippedEmpty} with an empty side (source ${r.emptySrc}, target ` +
      `${r.emptyTgt}); ` +
      `normalised ${r.crlfLines} CRLF line ends, stripped ${r.bomStripped} BOM` +
      (r.bomInLine > 0 ? `; ${r.bomInLine} lines hold U+FEFF (BOM) inside, kept as text` : '') +
      (r.lineSeparators > 0 ? `; ${r.lineSeparators} lines hold U+2028/U+2029, kept as text` : ''),
    row('', 'source', 'target'),
    row('tokens', f(st.src.tokens), f(st.tgt.tokens)),
    row('types', f(st.src.types), f(st.tgt.types)),
    row('length mean', f(st.src.length.mean), f(st.tgt.length.mean)),
    row('length min', f(st.src.length.min), f(st.tgt.length.min)),
    row('length p50', f(st.src.length.p50), f(st.tgt.length.p50)),
    row('length p90', f(st.src.length.p90), f(st.tgt.length.p90)),
    row('length p99', f(st.src.length.p99), f(st.tgt.length.p99)),
    row('length max', f(st.src.length.max), f(st.tgt.length.max)),
    `ratio t/s     mean ${f(st.ratio.mean)}  sd ${f(st.ratio.sd)}  min ${f(st.ratio.min)}  p1 ${f(st.ratio.p1)}  ` +
      `p50 ${f(st.ratio.p50)}  p99 ${f(st.ratio.p99)}  max ${f(st.ratio.max)}  outside [1/3, 3]: ${st.ratio.outliers}`,
  ];
  return lines.join('\n') + '\n';
}
