/**
 * The metrics `seq2seq score` and `seq2seq eval` report, computed on whole texts, with their printed
 * forms: a sacreBLEU-style score line plus signature (text) or one object per metric (JSON).
 */
import { InputError } from '../errors.js';
import { Bleu, formatBleu, type BleuOptions, type BleuScore } from './bleu.js';
import { Chrf, formatChrf, type ChrfOptions } from './chrf.js';

export type MetricName = 'bleu' | 'chrf' | 'chrf++';
export const METRIC_NAMES: readonly MetricName[] = ['bleu', 'chrf', 'chrf++'];

export interface MetricResult {
  /** `BLEU`, `chrF2`, `chrF2++`. */
  name: string;
  /** 0–100, full precision. */
  score: number;
  signature: string;
  /** The sacreBLEU score line, e.g. `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = …)`. */
  line: string;
  /** BLEU only: counts, totals, precisions, bp, lengths. */
  details?: Omit<BleuScore, 'score'>;
}

export function parseMetrics(list: string): MetricName[] {
  const names = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (names.length === 0)
    throw new InputError('--metrics is empty (expected a comma-separated list of bleu, chrf, chrf++)');
  for (const n of names)
    if (!(METRIC_NAMES as readonly string[]).includes(n))
      throw new InputError(`unknown metric '${n}' (expected bleu, chrf or chrf++)`);
  return [...new Set(names)] as MetricName[];
}

export interface MetricOptions {
  lowercase: boolean;
  bleu?: Partial<BleuOptions>;
  chrf?: Partial<ChrfOptions>;
}

/** Scores hypotheses against reference streams (one array per reference set, aligned with hyps). */
export function computeMetrics(
  hyps: readonly string[],
  refStreams: readonly (readonly string[])[],
  metrics: readonly MetricName[],
  opts: MetricOptions,
): MetricResult[] {
  return metrics.map((m) => {
    if (m === 'bleu') {
      const bleu = new Bleu({ ...opts.bleu, lowercase: opts.lowercase });
      const s = bleu.corpusScore(hyps, refStreams);
      const { score, ...details } = s;
      return { name: 'BLEU', score, signature: bleu.signature(), line: formatBleu(s), details };
    }
    const chrf = new Chrf({ ...opts.chrf, lowercase: opts.lowercase, wordOrder: m === 'chrf++' ? 2 : 0 });
    const s = chrf.corpusScore(hyps, refStreams);
    return { name: s.name, score: s.score, signature: chrf.signature(), line: formatChrf(s) };
  });
}

/** Text form: the score line, then the signature, per metric. */
export function formatMetricsText(results: readonly MetricResult[]): string {
  return results.map((r) => `${r.line}\n${r.name}|${r.signature}\n`).join('');
}
