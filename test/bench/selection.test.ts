/**
 * bench/lib/selection.mjs: the statistics of a validation decode (whole BLEU equal to sacreBLEU-style
 * corpus BLEU, the two halves, the calibrated brevity penalty computed by hand) and what each rule
 * chooses on hand-made decodes — among them the case of issue #24: val's references longer than the
 * training corpus says, so the highest val BLEU goes to the longest outputs.
 */
import { describe, expect, it } from 'vitest';
import { corpusBleu } from '../../src/eval/bleu.js';
import * as sel from '../../bench/lib/selection.mjs';

type Stats = number[];
interface Decode {
  halves: [Stats, Stats];
  srcTokens: [number, number];
}
const S = sel as unknown as {
  tokens13a(line: string): number;
  lengthRatio(src: string[], tgt: string[]): number;
  decodeStats(h: string[], r: string[], s: string[]): Decode;
  bleuOf(d: Decode, part?: number): number;
  ratioOf(d: Decode, part?: number): number;
  calibratedBleuOf(d: Decode, rho: number, part?: number): number;
  calibratedRatioOf(d: Decode, rho: number, part?: number): number;
  choose(
    rule: string,
    settings: { name: string; lp?: number; val: Decode }[],
    def: number,
    o?: { rho?: number },
  ): { index: number; why: string };
};

describe('decode statistics', () => {
  const refs = [
    'Ein Mann fährt Fahrrad.',
    'Zwei Hunde spielen im Schnee.',
    'Eine Frau liest ein Buch, im Park.',
    'Kinder lachen.',
    'Ein Hund.',
  ];
  const hyps = [
    'Ein Mann fährt ein Fahrrad.',
    'Zwei Hunde spielen im Schnee.',
    'Eine Frau liest.',
    'Die Kinder lachen laut.',
    'Ein Hund läuft.',
  ];
  const srcs = [
    'A man rides a bike.',
    'Two dogs play in the snow.',
    'A woman reads a book, in the park.',
    'Children laugh.',
    'A dog.',
  ];

  it('the whole split and each half score as corpus BLEU of those sentences', () => {
    const d = S.decodeStats(hyps, refs, srcs);
    expect(S.bleuOf(d)).toBe(corpusBleu(hyps, [refs]).score);
    expect(S.bleuOf(d, 0)).toBe(corpusBleu([hyps[0], hyps[2], hyps[4]], [[refs[0], refs[2], refs[4]]]).score);
    expect(S.bleuOf(d, 1)).toBe(corpusBleu([hyps[1], hyps[3]], [[refs[1], refs[3]]]).score);
    expect(S.ratioOf(d)).toBe(corpusBleu(hyps, [refs]).ratio);
    // 13a splits the final full stop and the comma: "A man rides a bike ." = 6 tokens
    expect(S.tokens13a(srcs[0])).toBe(6);
    expect(d.srcTokens).toEqual([6 + 10 + 3, 7 + 3]);
  });

  it('length ratio of a corpus and the calibrated brevity penalty, by hand', () => {
    expect(S.lengthRatio(['a b c d', 'e f'], ['x y z', 'w'])).toBe(4 / 6);
    // one sentence: hypothesis "a b c ." (4 tokens) against reference "a b c d e ." (6): unigrams 4/4,
    // bigrams 2/3 ("c ." is not in it), trigrams 1/2, 4-grams 0/1 → exp smoothing: p4 = 100 / (2 · 1) = 50.
    const d = S.decodeStats(['a b c.'], ['a b c d e.'], ['s t u v w x y z.']); // source: 9 tokens
    const precisions = Math.exp((Math.log(100) + Math.log(200 / 3) + Math.log(50) + Math.log(50)) / 4);
    expect(S.bleuOf(d)).toBeCloseTo(Math.exp(1 - 6 / 4) * precisions, 10);
    // ρ = 0.4: the expected length is 3.6 < 4, so no brevity penalty; ρ = 0.6: 5.4 → exp(1 − 5.4/4)
    expect(S.calibratedBleuOf(d, 0.4)).toBeCloseTo(precisions, 10);
    expect(S.calibratedBleuOf(d, 0.6)).toBeCloseTo(Math.exp(1 - 5.4 / 4) * precisions, 10);
    expect(S.calibratedRatioOf(d, 0.6)).toBeCloseTo(4 / 5.4, 12);
  });
});

/** A half whose n-gram precisions are all P % (100 n-grams of each order) with these lengths: BLEU = BP · P. */
const half = (hypLen: number, refLen: number, P: number): Stats => [hypLen, refLen, P, P, P, P, 100, 100, 100, 100];
const decode = (a: Stats, b: Stats = a, src = 100): Decode => ({ halves: [a, b], srcTokens: [src, src] });

describe('the selection rules', () => {
  // Issue #24's case: the default (lp 0.6) is the most precise but 5 % short of val's references,
  // which are longer than the training corpus predicts (ρ = 0.93 → 93 tokens for 100 source tokens);
  // lp 1.8 fills val's length at a cost in precision.
  const settings = [
    { name: 'best/ lp 0.6', lp: 0.6, val: decode(half(95, 100, 40)) }, // BLEU 40 · e^(1 − 100/95) = 37.95
    { name: 'best/ lp 1.0', lp: 1.0, val: decode(half(98, 100, 39.4)) }, // 39.4 · e^(1 − 100/98) = 38.60
    { name: 'best/ lp 1.8', lp: 1.8, val: decode(half(101, 100, 38.9)) }, // 38.9
  ];
  it('hand-computed scores', () => {
    expect(S.bleuOf(settings[0].val)).toBeCloseTo(40 * Math.exp(1 - 100 / 95), 10);
    expect(S.bleuOf(settings[1].val)).toBeCloseTo(39.4 * Math.exp(1 - 100 / 98), 10);
    expect(S.calibratedBleuOf(settings[0].val, 0.93)).toBeCloseTo(40, 10);
  });
  it('val-best takes the longest outputs; window takes them too (ratio 1.01 is inside 0.97–1.03)', () => {
    expect(S.choose('val-best', settings, 0).index).toBe(2);
    expect(S.choose('window', settings, 0).index).toBe(2);
    expect(S.choose('halves', settings, 0).index).toBe(2); // a systematic gain passes the checking half
  });
  it('calibrated keeps the default when it is not short against the length the training corpus predicts', () => {
    const r = S.choose('calibrated', settings, 0, { rho: 0.93 });
    expect(r.index).toBe(0);
    expect(r.why).toMatch(/default/);
    // with ρ = 1 (val's own length) the calibrated score is plain BLEU here, and lp 1.8 wins on both halves
    expect(S.choose('calibrated', settings, 0, { rho: 1 }).index).toBe(2);
    expect(() => S.choose('calibrated', settings, 0)).toThrow(/length ratio/);
  });
  it("default-lp keeps eval's length penalty and lets the halves choose only between weights", () => {
    expect(S.choose('default-lp', settings, 0)).toEqual({
      index: 0,
      why: 'the default has the best BLEU at the default length penalty on the tuning half',
    });
    const weights = [
      ...settings,
      // ahead on both halves
      { name: 'averaged lp 0.6', lp: 0.6, val: decode(half(95, 100, 40.5), half(95, 100, 40.2)) },
      { name: 'averaged lp 1.8', lp: 1.8, val: decode(half(101, 100, 45)) }, // far ahead, but another penalty
    ];
    const r = S.choose('default-lp', weights, 0);
    expect(r.index).toBe(3);
    const bp = Math.exp(1 - 100 / 95);
    const versus = `${(40.2 * bp).toFixed(2)} vs ${(40 * bp).toFixed(2)}`;
    const what = 'best BLEU at the default length penalty on the tuning half';
    expect(r.why).toBe(`${what}, and ahead of the default on the checking half (${versus})`);
    expect(S.choose('val-best', weights, 0).index).toBe(4);
  });
  it('halves: a setting ahead on the tuning half but behind on the checking half leaves the default', () => {
    const noisy = [
      { name: 'default', val: decode(half(100, 100, 38), half(100, 100, 38)) },
      { name: 'lucky', val: decode(half(100, 100, 39), half(100, 100, 37.5)) }, // whole: 38.25 > 38
    ];
    expect(S.choose('val-best', noisy, 0).index).toBe(1);
    const r = S.choose('halves', noisy, 0);
    expect(r).toEqual({
      index: 0,
      why: 'lucky led on the tuning half but not on the checking half (37.50 vs 38.00): the default',
    });
    const steady = [noisy[0], { name: 'steady', val: decode(half(100, 100, 39), half(100, 100, 38.5)) }];
    expect(S.choose('halves', steady, 0).index).toBe(1);
    // a tie on the tuning half keeps the default
    expect(
      S.choose('halves', [noisy[0], { name: 'tie', val: decode(half(100, 100, 38), half(100, 100, 39)) }], 0).index,
    ).toBe(0);
  });
  it('window: outside it no setting is taken for its BLEU; none inside → the ratio closest to 1', () => {
    const long = [
      { name: 'short', val: decode(half(90, 100, 45)) }, // ratio 0.90
      { name: 'long', val: decode(half(105, 100, 36)) }, // ratio 1.05
      { name: 'longer', val: decode(half(110, 100, 38)) },
    ];
    const r = S.choose('window', long, 0);
    expect(r.index).toBe(1);
    expect(r.why).toMatch(/closest to 1 \(1\.050\)/);
    expect(S.choose('window', [...long, { name: 'inside', val: decode(half(99, 100, 30)) }], 0).index).toBe(3);
    expect(() => S.choose('best', long, 0)).toThrow(/unknown selection rule/);
  });
});
