/**
 * sacreBLEU's command-line output for one system (2.6.0: sacrebleu.py, `Score.format` in
 * metrics/base.py, `print_single_results` in utils.py), byte for byte apart from the version field
 * of the signature:
 *   text        one line per metric, `BLEU|nrefs:1|…|version:… = 34.5 65.1/40.2/27.9/19.9 (BP = …)`,
 *               the parts before ` = ` right-aligned to the longest when there are several;
 *   json        per metric {name, score, signature, verbose_score (BLEU only), then each field of
 *               the signature as a string}, indented by one space; several: `[`, the objects joined
 *               by `,` and a line break, `]`;
 *   score only  the scores alone: one per line (text), a JSON number or list (json).
 * `width` is sacreBLEU's -w: the decimals of the score (its default is 1).
 */
import { bleuVerbose } from './bleu.js';
import type { MetricResult } from './metrics.js';
import { pyFixed, pyFloatRepr } from './python-text.js';

/** sacreBLEU's default number of decimals (-w). */
export const SACREBLEU_WIDTH = 1;

/** The part after the score (`verbose_score`): BLEU's precisions, BP and lengths; nothing for chrF. */
function verboseScore(r: MetricResult): string {
  return r.details ? bleuVerbose(r.details) : '';
}

/** `NAME|signature = score verbose` per metric, aligned on ` = ` as sacreBLEU prints several. */
export function sacrebleuText(results: readonly MetricResult[], width = SACREBLEU_WIDTH): string {
  const lines = results.map((r) => {
    const verbose = verboseScore(r);
    return `${r.name}|${r.signature} = ${pyFixed(r.score, width)}${verbose ? ` ${verbose}` : ''}`;
  });
  if (lines.length === 1) return `${lines[0]}\n`;
  const cut = lines.map((l) => l.indexOf('=') - 1);
  const w = Math.max(...cut);
  return lines.map((l, i) => `${l.slice(0, cut[i]).padStart(w)}${l.slice(cut[i])}\n`).join('');
}

/**
 * sacreBLEU's JSON object of one metric. `width` null keeps the score at full precision (sacreBLEU
 * rounds it to -w decimals; so do we when a width is given).
 */
function jsonObject(r: MetricResult, width: number | null): string {
  const score = width === null ? r.score : Number(pyFixed(r.score, width));
  const verbose = verboseScore(r);
  const fields: [string, string][] = [
    ['name', JSON.stringify(r.name)],
    ['score', pyFloatRepr(score)],
    ['signature', JSON.stringify(r.signature)],
    ...(verbose ? [['verbose_score', JSON.stringify(verbose)] as [string, string]] : []),
    ...r.signature.split('|').map((kv): [string, string] => {
      const at = kv.indexOf(':');
      return [kv.slice(0, at), JSON.stringify(kv.slice(at + 1))];
    }),
  ];
  return `{\n${fields.map(([k, v]) => ` ${JSON.stringify(k)}: ${v}`).join(',\n')}\n}`;
}

/** The JSON form: always a list, one object per metric (sacreBLEU prints a lone object for one metric). */
export function sacrebleuJson(results: readonly MetricResult[], width: number | null): string {
  return `[\n${results.map((r) => jsonObject(r, width)).join(',\n')}\n]\n`;
}

/** -b: the scores alone, one per line (text) or as JSON (a number for one metric, else a list). */
export function sacrebleuScoreOnly(results: readonly MetricResult[], width: number, format: 'text' | 'json'): string {
  const scores = results.map((r) => pyFixed(r.score, width));
  if (format === 'text' || scores.length === 1) return scores.map((s) => `${s}\n`).join('');
  return `[\n${scores.join(',\n')}\n]\n`;
}
