// How bench:quality chooses the decoding setting (which weights, which length penalty) on the
// validation split, by rules that can be compared after the fact (docs/quality.md, "Selection that
// transfers"). Every setting is decoded once on val; what the rules need is kept as BLEU's
// sufficient statistics of the two halves of val (even- and odd-numbered sentences) and the
// sources' lengths, so any rule can be re-applied to a finished run (bench/quality-summary.mjs).
//
//   default-lp   the length penalty stays eval's default (0.6); among the weights decoded with it
//                (best/, the average, …), the best on the tuning half (even sentences) replaces
//                best/ only if it also beats best/ on the checking half (odd sentences)
//   calibrated   the same guard over every setting, scored by length-calibrated BLEU: the brevity
//                penalty taken against ρ·|source| (ρ = target/source tokens of the training corpus)
//                instead of val's own reference length
//   halves       the same guard over every setting, scored by BLEU
//   window       the highest val BLEU among settings whose val length ratio is within 0.97–1.03,
//                else the ratio closest to 1
//   val-best     the highest val BLEU (round 1's rule: it chose lp 1.8, which cost a point on test)
// The guard: the default setting (best/, lp 0.6) is kept unless the challenger leads on the tuning
// half and also on the checking half; ties keep the default. Otherwise ties go to the earlier
// setting (settings are listed weights by weights, penalties in grid order).
import { dist } from './runs.mjs';

const { Bleu, computeBleu } = await import(dist('eval/bleu.js'));

export const RULES = ['default-lp', 'calibrated', 'halves', 'window', 'val-best'];
export const DEFAULT_RULE = 'default-lp';
export const RATIO_WINDOW = [0.97, 1.03];

const bleu = new Bleu(); // sacreBLEU's corpus BLEU: 13a, mixed case, exp smoothing
const N = bleu.opts.maxNgramOrder;
const zero = () => new Array(2 + 2 * N).fill(0);
const add = (into, st) => st.forEach((v, k) => (into[k] += v));

/** 13a tokens of a line, as BLEU counts them. */
export function tokens13a(line) {
  return bleu
    .preprocess(line)
    .split(' ')
    .filter((t) => t !== '').length;
}

/** Target tokens per source token (13a) over a corpus: what a translation's length should be. */
export function lengthRatio(sources, targets) {
  let s = 0;
  let t = 0;
  sources.forEach((x, i) => {
    s += tokens13a(x);
    t += tokens13a(targets[i]);
  });
  return t / s;
}

/**
 * BLEU statistics of one decode of val: per half (sentence i goes to half i mod 2), each
 * [hypLen, refLen, correct_1..4, total_1..4], and the halves' source lengths in 13a tokens.
 */
export function decodeStats(hypotheses, references, sources) {
  const halves = [zero(), zero()];
  const srcTokens = [0, 0];
  hypotheses.forEach((h, i) => {
    add(halves[i % 2], bleu.segmentStats(h, [references[i]]));
    srcTokens[i % 2] += tokens13a(sources[i]);
  });
  return { halves, srcTokens };
}

const whole = (d) => {
  const s = zero();
  d.halves.forEach((h) => add(s, h));
  return s;
};

/** Corpus BLEU of a decode (part: 0 or 1 for a half, undefined for the whole split). */
export function bleuOf(d, part) {
  return bleu.scoreFromStats(part === undefined ? whole(d) : d.halves[part]).score;
}

/** Output length / reference length of a decode (13a tokens). */
export function ratioOf(d, part) {
  const s = part === undefined ? whole(d) : d.halves[part];
  return s[0] / s[1];
}

/** Output length / (ρ · source length): the length against what the training corpus predicts. */
export function calibratedRatioOf(d, rho, part) {
  const src = part === undefined ? d.srcTokens[0] + d.srcTokens[1] : d.srcTokens[part];
  return (part === undefined ? whole(d) : d.halves[part])[0] / (rho * src);
}

/** BLEU with the brevity penalty taken against ρ · source length instead of the references' length. */
export function calibratedBleuOf(d, rho, part) {
  const s = part === undefined ? whole(d) : d.halves[part];
  const src = part === undefined ? d.srcTokens[0] + d.srcTokens[1] : d.srcTokens[part];
  return computeBleu(s.slice(2, 2 + N), s.slice(2 + N), s[0], rho * src, bleu.opts).score;
}

const argmax = (idx, f) => idx.reduce((b, i) => (b === null || f(i) > f(b) ? i : b), null);

/**
 * The setting a rule chooses. `settings[i]` has `name`, `lp` and `val` (a decodeStats result); `def`
 * is the index of the default setting (eval's: the first weights, lp 0.6); `rho` the training
 * corpus' length ratio (calibrated only). Returns { index, why } (`why`: one short sentence).
 */
export function choose(rule, settings, def, { rho, window = RATIO_WINDOW } = {}) {
  const all = settings.map((_, i) => i);
  if (rule === 'val-best') {
    const i = argmax(all, (k) => bleuOf(settings[k].val));
    return { index: i, why: 'the highest val BLEU' };
  }
  if (rule === 'window') {
    const span = `${window[0]}–${window[1]}`;
    const inside = all.filter((k) => ratioOf(settings[k].val) >= window[0] && ratioOf(settings[k].val) <= window[1]);
    if (inside.length > 0) {
      const i = argmax(inside, (k) => bleuOf(settings[k].val));
      return { index: i, why: `the highest val BLEU with a val length ratio in ${span}` };
    }
    const i = argmax(all, (k) => -Math.abs(ratioOf(settings[k].val) - 1));
    const closest = ratioOf(settings[i].val).toFixed(3);
    return { index: i, why: `no val length ratio in ${span}: the closest to 1 (${closest})` };
  }
  if (rule === 'default-lp') {
    const same = all.filter((k) => settings[k].lp === settings[def].lp);
    return guarded(
      settings,
      same,
      def,
      (k, part) => bleuOf(settings[k].val, part),
      'BLEU at the default length penalty',
    );
  }
  if (rule === 'halves') return guarded(settings, all, def, (k, part) => bleuOf(settings[k].val, part), 'BLEU');
  if (rule === 'calibrated') {
    if (!(rho > 0)) throw new Error('the calibrated rule needs the training corpus length ratio');
    return guarded(
      settings,
      all,
      def,
      (k, part) => calibratedBleuOf(settings[k].val, rho, part),
      'length-calibrated BLEU',
    );
  }
  throw new Error(`unknown selection rule '${rule}'`);
}

/**
 * The guard: the best of `among` on the tuning half replaces the default only if it also leads on
 * the checking half; ties keep the default.
 */
function guarded(settings, among, def, score, what) {
  const challenger = argmax(among, (k) => score(k, 0));
  if (score(def, 0) >= score(challenger, 0))
    return { index: def, why: `the default has the best ${what} on the tuning half` };
  const [c, d] = [score(challenger, 1), score(def, 1)];
  const versus = `${c.toFixed(2)} vs ${d.toFixed(2)}`;
  if (c > d)
    return {
      index: challenger,
      why: `best ${what} on the tuning half, and ahead of the default on the checking half (${versus})`,
    };
  return {
    index: def,
    why: `${settings[challenger].name} led on the tuning half but not on the checking half (${versus}): the default`,
  };
}
