/**
 * Corpus and sentence BLEU (Papineni et al. 2002) exactly as sacreBLEU 2.x computes it
 * (sacrebleu/metrics/bleu.py), verified against sacreBLEU's own test vectors in test/eval/.
 *
 *   p_n  = Σ_seg Σ_g min(count_hyp(g), max_r count_r(g)) / Σ_seg #n-grams(hyp)      (clipped precision)
 *   BP   = 1 if c ≥ r else exp(1 − r/c)   (c = Σ hyp lengths, r = Σ closest ref lengths, ties → shorter)
 *   BLEU = BP · exp( (1/N) Σ_{n≤N} log p_n )                      (×100; log 0 is floored to −9999999999)
 *
 * Smoothing of a zero-match order n (Chen & Cherry 2014): 'exp' p_n = 100 / (2^k · total_n) for the
 * k-th such order (NIST, the default); 'floor' p_n = 100·ε / total_n; 'add-k' adds k to correct and
 * total for n > 1; 'none' leaves 0. When nothing matches at all the score is 0 (sacreBLEU #141).
 * Effective order: average only over the orders whose total is non-zero (for sentence BLEU).
 */
import { InputError } from '../errors.js';
import { pyFixed, pyRstrip, pySplit } from './python-text.js';
import { getTokenizer, type TokenizerName } from './tokenizers.js';
import { EVAL_VERSION, collectReferences } from './references.js';

export type SmoothMethod = 'exp' | 'floor' | 'add-k' | 'none';
export const SMOOTH_METHODS: readonly SmoothMethod[] = ['exp', 'floor', 'add-k', 'none'];
/** Default smoothing values (None for the methods that take none), as in BLEU.SMOOTH_DEFAULTS. */
export const SMOOTH_DEFAULTS: Record<SmoothMethod, number | null> = { none: null, floor: 0.1, 'add-k': 1, exp: null };

export interface BleuOptions {
  tokenize: TokenizerName;
  smoothMethod: SmoothMethod;
  /** For 'floor' and 'add-k'; null = the method's default. */
  smoothValue: number | null;
  lowercase: boolean;
  effectiveOrder: boolean;
  maxNgramOrder: number;
}

export const CORPUS_BLEU_DEFAULTS: BleuOptions = {
  tokenize: '13a',
  smoothMethod: 'exp',
  smoothValue: null,
  lowercase: false,
  effectiveOrder: false,
  maxNgramOrder: 4,
};

/** sentence_bleu's recommended settings: as corpus BLEU but with the effective order. */
export const SENTENCE_BLEU_DEFAULTS: BleuOptions = { ...CORPUS_BLEU_DEFAULTS, effectiveOrder: true };

export interface BleuScore {
  /** 0–100. */
  score: number;
  /** Clipped n-gram matches per order (after add-k smoothing when used, as sacreBLEU reports them). */
  counts: number[];
  totals: number[];
  /** Per-order precisions in percent. */
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
  ratio: number;
}

/** Python's utils.my_log: log(0) is −9999999999 instead of −∞. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/** BLEU from its sufficient statistics (BLEU.compute_bleu; smoothing defaults to 'none' as there). */
export function computeBleu(
  correctIn: readonly number[],
  totalIn: readonly number[],
  sysLen: number,
  refLen: number,
  opts: {
    smoothMethod?: SmoothMethod;
    smoothValue?: number | null;
    effectiveOrder?: boolean;
    maxNgramOrder?: number;
  } = {},
): BleuScore {
  const method = opts.smoothMethod ?? 'none';
  const smoothValue = opts.smoothValue ?? SMOOTH_DEFAULTS[method] ?? 0;
  const maxOrder = opts.maxNgramOrder ?? 4;
  const correct = correctIn.slice();
  const total = totalIn.slice();
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const ratio = refLen ? sysLen / refLen : 0;
  if (!correct.some((c) => c !== 0))
    return { score: 0, counts: correct, totals: total, precisions, bp, sysLen, refLen, ratio };

  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (method === 'add-k' && n > 1) {
      correct[n - 1] += smoothValue;
      total[n - 1] += smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (opts.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (method === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
      } else if (method === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / total[n - 1];
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
    }
  }
  let sumLog = 0;
  for (let i = 0; i < effOrder; i++) sumLog += myLog(precisions[i]);
  const score = bp * Math.exp(sumLog / effOrder);
  return { score, counts: correct, totals: total, precisions, bp, sysLen, refLen, ratio };
}

/** Counts of every n-gram of orders 1..maxOrder of a whitespace-tokenised line, and its length. */
export function wordNgrams(line: string, maxOrder: number): { counts: Map<string, number>; length: number } {
  const tokens = pySplit(line);
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      // Tokens hold no whitespace, so a space-joined key is unambiguous; the order is implied by it.
      const key = tokens.slice(i, i + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return { counts, length: tokens.length };
}

/** Segment statistics [hypLen, refLen, correct_1..N, total_1..N] (BLEU._compute_segment_statistics). */
export type BleuStats = number[];

export class Bleu {
  readonly opts: BleuOptions;
  private readonly tokenizer: (line: string) => string;
  /** Reference count: a number, or -1 when it varies between segments (signature 'var'). */
  numRefs = 0;

  constructor(opts: Partial<BleuOptions> = {}) {
    this.opts = { ...CORPUS_BLEU_DEFAULTS, ...opts };
    if (!SMOOTH_METHODS.includes(this.opts.smoothMethod))
      throw new InputError(
        `unknown BLEU smoothing '${this.opts.smoothMethod}' (expected one of ${SMOOTH_METHODS.join(', ')})`,
      );
    this.tokenizer = getTokenizer(this.opts.tokenize);
  }

  /** Lowercasing (optional), rstrip, tokenisation. */
  preprocess(sentence: string): string {
    const s = this.opts.lowercase ? sentence.toLowerCase() : sentence;
    return this.tokenizer(pyRstrip(s));
  }

  /** Statistics of one hypothesis against its references (already preprocessed refs are not expected). */
  segmentStats(hypothesis: string, references: readonly string[]): BleuStats {
    const N = this.opts.maxNgramOrder;
    let refNgrams: Map<string, number> | null = null;
    const refLens: number[] = [];
    for (const ref of references) {
      const { counts, length } = wordNgrams(this.preprocess(ref), N);
      refLens.push(length);
      if (refNgrams === null) refNgrams = counts;
      else for (const [g, c] of counts) refNgrams.set(g, Math.max(refNgrams.get(g) ?? 0, c));
    }
    const hyp = wordNgrams(this.preprocess(hypothesis), N);
    const refLen = closestRefLength(hyp.length, refLens);
    const correct = new Array<number>(N).fill(0);
    const total = new Array<number>(N).fill(0);
    for (const [g, c] of hyp.counts) {
      const n = countSpaces(g);
      total[n] += c;
      const r = refNgrams?.get(g);
      if (r !== undefined) correct[n] += Math.min(c, r);
    }
    return [hyp.length, refLen, ...correct, ...total];
  }

  /** BLEU from summed statistics. */
  scoreFromStats(stats: readonly number[]): BleuScore {
    const N = this.opts.maxNgramOrder;
    return computeBleu(stats.slice(2, 2 + N), stats.slice(2 + N), stats[0], stats[1], this.opts);
  }

  /**
   * Corpus BLEU. `refStreams` holds one array per reference set, each aligned with `hypotheses`;
   * an empty reference string means "no reference for this segment in that set".
   */
  corpusScore(hypotheses: readonly string[], refStreams: readonly (readonly string[])[]): BleuScore {
    const { perSegment, numRefs } = collectReferences(hypotheses.length, refStreams);
    this.numRefs = numRefs;
    const sum = new Array<number>(2 + 2 * this.opts.maxNgramOrder).fill(0);
    hypotheses.forEach((hyp, i) => {
      const st = this.segmentStats(hyp, perSegment[i]);
      for (let k = 0; k < sum.length; k++) sum[k] += st[k];
    });
    return this.scoreFromStats(sum);
  }

  /** BLEU of one sentence against its references. */
  sentenceScore(hypothesis: string, references: readonly string[]): BleuScore {
    return this.corpusScore(
      [hypothesis],
      references.map((r) => [r]),
    );
  }

  /** sacreBLEU's signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:…`. */
  signature(): string {
    const o = this.opts;
    let smooth: string = o.smoothMethod;
    const def = SMOOTH_DEFAULTS[o.smoothMethod];
    if (def !== null) smooth += `[${pyFixed(o.smoothValue ?? def, 2)}]`;
    const nrefs = this.numRefs === -1 ? 'var' : String(this.numRefs);
    const fields = [
      `nrefs:${nrefs}`,
      `case:${o.lowercase ? 'lc' : 'mixed'}`,
      `eff:${o.effectiveOrder ? 'yes' : 'no'}`,
      `tok:${o.tokenize}`,
      `smooth:${smooth}`,
      `version:${EVAL_VERSION}`,
    ];
    return fields.join('|');
  }
}

function countSpaces(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 32) n++;
  return n;
}

/** The reference length closest to the hypothesis length; ties go to the shorter reference. */
export function closestRefLength(hypLen: number, refLens: readonly number[]): number {
  let bestDiff = -1;
  let best = -1;
  for (const r of refLens) {
    const d = Math.abs(hypLen - r);
    if (bestDiff === -1 || d < bestDiff) {
      bestDiff = d;
      best = r;
    } else if (d === bestDiff && r < best) best = r;
  }
  return best;
}

/** The score line: `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`. */
export function formatBleu(s: BleuScore, width = 2): string {
  return `BLEU = ${pyFixed(s.score, width)} ${bleuVerbose(s)}`;
}

/** The part of the score line after the score (sacreBLEU's `verbose_score`): precisions, BP, lengths. */
export function bleuVerbose(s: Omit<BleuScore, 'score'>): string {
  const prec = s.precisions.map((p) => pyFixed(p, 1)).join('/');
  const lengths = `hyp_len = ${s.sysLen} ref_len = ${s.refLen}`;
  return `${prec} (BP = ${pyFixed(s.bp, 3)} ratio = ${pyFixed(s.ratio, 3)} ${lengths})`;
}

/** corpus_bleu(hyps, refStreams, …) with sacreBLEU's defaults. */
export function corpusBleu(
  hypotheses: readonly string[],
  refStreams: readonly (readonly string[])[],
  opts: Partial<BleuOptions> = {},
): BleuScore {
  return new Bleu(opts).corpusScore(hypotheses, refStreams);
}

/** sentence_bleu(hyp, refs, …): effective order on by default, as sacreBLEU recommends. */
export function sentenceBleu(
  hypothesis: string,
  references: readonly string[],
  opts: Partial<BleuOptions> = {},
): BleuScore {
  return new Bleu({ ...SENTENCE_BLEU_DEFAULTS, ...opts }).sentenceScore(hypothesis, references);
}
