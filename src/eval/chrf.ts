/**
 * chrF (Popović 2015) and chrF++ (Popović 2017) exactly as sacreBLEU 2.x computes them
 * (sacrebleu/metrics/chrf.py), verified against sacreBLEU's own test vectors in test/eval/.
 *
 * For each order: character n-grams n = 1..charOrder of the line with all whitespace removed, then
 * (chrF++) word n-grams n = 1..wordOrder over whitespace tokens with one leading/trailing punctuation
 * mark split off. Statistics per order: #hyp n-grams (0 when the reference has no n-gram of that
 * order, as sacreBLEU counts), #ref n-grams, #clipped matches.
 *
 *   P_n = match_n / hyp_n,  R_n = match_n / ref_n
 *   default (eps_smoothing off): P̄, R̄ = means over the orders with hyp_n > 0 and ref_n > 0;
 *                                chrF = 100 · (1+β²) P̄ R̄ / (β² P̄ + R̄)
 *   eps_smoothing:               chrF = 100 · mean_n (1+β²) P_n R_n / (β² P_n + R_n), with P or R = 1e-16
 *                                when its denominator is 0 and the F term = 1e-16 when β²P+R = 0
 * With several references, each segment takes the statistics of the reference with the best F.
 */
import { InputError } from '../errors.js';
import { codePoints, pyRemoveWhitespace, pyFixed, pySplit } from './python-text.js';
import { EVAL_VERSION, collectReferences } from './references.js';

export interface ChrfOptions {
  charOrder: number;
  wordOrder: number;
  beta: number;
  lowercase: boolean;
  /** Keep whitespace inside character n-grams (sacreBLEU's `whitespace=True`; default false). */
  whitespace: boolean;
  epsSmoothing: boolean;
}

export const CHRF_DEFAULTS: ChrfOptions = {
  charOrder: 6,
  wordOrder: 0,
  beta: 2,
  lowercase: false,
  whitespace: false,
  epsSmoothing: false,
};

export interface ChrfScore {
  /** 0–100. */
  score: number;
  /** `chrF2`, `chrF2++`, … */
  name: string;
  /** Summed statistics: [hyp, ref, match] per order (char orders first, then word orders). */
  stats: number[];
}

const PUNCTS = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

function counter(items: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) m.set(it, (m.get(it) ?? 0) + 1);
  return m;
}

/** Character n-gram counters for orders 1..maxOrder (code points; whitespace removed unless kept). */
export function charNgrams(line: string, maxOrder: number, keepWhitespace: boolean): Map<string, number>[] {
  const chars = codePoints(keepWhitespace ? line : pyRemoveWhitespace(line));
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const grams: string[] = [];
    for (let i = 0; i + n <= chars.length; i++) grams.push(chars.slice(i, i + n).join(''));
    out.push(counter(grams));
  }
  return out;
}

/** chrF++'s primitive tokenisation: split one trailing, else one leading, ASCII punctuation mark off each word. */
export function splitPunctuation(sentence: string): string[] {
  const out: string[] = [];
  for (const w of pySplit(sentence)) {
    const cps = codePoints(w);
    if (cps.length === 1) out.push(w);
    else if (PUNCTS.has(cps[cps.length - 1])) out.push(cps.slice(0, -1).join(''), cps[cps.length - 1]);
    else if (PUNCTS.has(cps[0])) out.push(cps[0], cps.slice(1).join(''));
    else out.push(w);
  }
  return out;
}

function wordNgramCounter(words: string[], n: number): Map<string, number> {
  const grams: string[] = [];
  for (let i = 0; i + n <= words.length; i++) grams.push(words.slice(i, i + n).join(' '));
  return counter(grams);
}

export class Chrf {
  readonly opts: ChrfOptions;
  numRefs = 0;

  constructor(opts: Partial<ChrfOptions> = {}) {
    this.opts = { ...CHRF_DEFAULTS, ...opts };
    const { charOrder, wordOrder, beta } = this.opts;
    if (!Number.isInteger(charOrder) || charOrder < 1 || !Number.isInteger(wordOrder) || wordOrder < 0)
      throw new InputError('chrF orders must be integers (char ≥ 1, word ≥ 0)');
    if (!(beta > 0)) throw new InputError('chrF beta must be positive');
  }

  get name(): string {
    return `chrF${this.opts.beta}${'+'.repeat(this.opts.wordOrder)}`;
  }

  private ngrams(sentence: string): Map<string, number>[] {
    const s = this.opts.lowercase ? sentence.toLowerCase() : sentence;
    const all = charNgrams(s, this.opts.charOrder, this.opts.whitespace);
    if (this.opts.wordOrder > 0) {
      const words = splitPunctuation(s);
      for (let n = 1; n <= this.opts.wordOrder; n++) all.push(wordNgramCounter(words, n));
    }
    return all;
  }

  /** The F score (0–100) of summed statistics (CHRF._compute_f_score). */
  fScore(stats: readonly number[]): number {
    const eps = 1e-16;
    const order = this.opts.charOrder + this.opts.wordOrder;
    const factor = this.opts.beta ** 2;
    let score = 0;
    let effective = 0;
    let avgP = 0;
    let avgR = 0;
    for (let i = 0; i < order; i++) {
      const [nHyp, nRef, nMatch] = [stats[3 * i], stats[3 * i + 1], stats[3 * i + 2]];
      const p = nHyp > 0 ? nMatch / nHyp : eps;
      const r = nRef > 0 ? nMatch / nRef : eps;
      const denom = factor * p + r;
      score += denom > 0 ? ((1 + factor) * p * r) / denom : eps;
      if (nHyp > 0 && nRef > 0) {
        avgP += p;
        avgR += r;
        effective++;
      }
    }
    if (this.opts.epsSmoothing) return (100 * score) / order;
    if (effective === 0) {
      avgP = 0;
      avgR = 0;
    } else {
      avgP /= effective;
      avgR /= effective;
    }
    if (avgP + avgR) return (100 * ((1 + factor) * avgP * avgR)) / (factor * avgP + avgR);
    return 0;
  }

  /** Statistics of one hypothesis: those of the reference giving the best F. */
  segmentStats(hypothesis: string, references: readonly string[]): number[] {
    const hyp = this.ngrams(hypothesis);
    let best: number[] = [];
    let bestF = -1;
    for (const ref of references) {
      const refGrams = this.ngrams(ref);
      const stats: number[] = [];
      for (let k = 0; k < hyp.length; k++) {
        let hypCount = 0;
        let refCount = 0;
        let match = 0;
        for (const [g, c] of hyp[k]) {
          hypCount += c;
          const r = refGrams[k].get(g);
          if (r !== undefined) match += Math.min(c, r);
        }
        for (const c of refGrams[k].values()) refCount += c;
        // sacreBLEU: hypothesis n-grams of an order the reference lacks entirely are not counted.
        stats.push(refGrams[k].size > 0 ? hypCount : 0, refCount, match);
      }
      const f = this.fScore(stats);
      if (f > bestF) {
        bestF = f;
        best = stats;
      }
    }
    return best;
  }

  /** Corpus chrF: statistics summed over segments, then one F. Empty reference strings are skipped. */
  corpusScore(hypotheses: readonly string[], refStreams: readonly (readonly string[])[]): ChrfScore {
    const { perSegment, numRefs } = collectReferences(hypotheses.length, refStreams);
    this.numRefs = numRefs;
    const sum = new Array<number>(3 * (this.opts.charOrder + this.opts.wordOrder)).fill(0);
    hypotheses.forEach((h, i) => {
      const st = this.segmentStats(h, perSegment[i]);
      for (let k = 0; k < sum.length; k++) sum[k] += st[k];
    });
    return { score: this.fScore(sum), name: this.name, stats: sum };
  }

  sentenceScore(hypothesis: string, references: readonly string[]): ChrfScore {
    return this.corpusScore(
      [hypothesis],
      references.map((r) => [r]),
    );
  }

  /**
   * `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:…` (eff:yes = effective-order averaging, i.e. no eps
   * smoothing).
   */
  signature(): string {
    const o = this.opts;
    const nrefs = this.numRefs === -1 ? 'var' : String(this.numRefs);
    const fields = [
      `nrefs:${nrefs}`,
      `case:${o.lowercase ? 'lc' : 'mixed'}`,
      `eff:${o.epsSmoothing ? 'no' : 'yes'}`,
      `nc:${o.charOrder}`,
      `nw:${o.wordOrder}`,
      `space:${o.whitespace ? 'yes' : 'no'}`,
      `version:${EVAL_VERSION}`,
    ];
    return fields.join('|');
  }
}

/** `chrF2 = 59.73`. */
export function formatChrf(s: ChrfScore, width = 2): string {
  return `${s.name} = ${pyFixed(s.score, width)}`;
}

export function corpusChrf(
  hypotheses: readonly string[],
  refStreams: readonly (readonly string[])[],
  opts: Partial<ChrfOptions> = {},
): ChrfScore {
  return new Chrf(opts).corpusScore(hypotheses, refStreams);
}

export function sentenceChrf(
  hypothesis: string,
  references: readonly string[],
  opts: Partial<ChrfOptions> = {},
): ChrfScore {
  return new Chrf(opts).sentenceScore(hypothesis, references);
}
