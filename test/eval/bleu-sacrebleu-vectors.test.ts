/**
 * sacreBLEU 2.6.0's own BLEU test vectors (test/test_bleu.py, test/test_sentence_bleu.py and the
 * README example), copied from /work/shared/reference/sacrebleu-vectors.md, called the way the notes
 * there describe, at the tolerances sacreBLEU's tests use.
 */
import { describe, expect, it } from 'vitest';
import { Bleu, computeBleu, corpusBleu, formatBleu, type BleuOptions } from '../../src/eval/bleu.js';
import { corpusChrf, formatChrf } from '../../src/eval/chrf.js';

const EPSILON = 1e-8;

/** sacrebleu.raw_corpus_bleu(hyps, refs, smooth_value): floor smoothing, no tokenisation, effective order. */
function rawCorpusBleu(hyps: string[], refs: string[][], smoothValue: number | null = 0.1) {
  return corpusBleu(hyps, refs, { smoothMethod: 'floor', smoothValue, tokenize: 'none', effectiveOrder: true });
}

const test_raw_bleu_cases: [string[], string[][], number][] = [
  [['this is a test', 'another test'], [['ref1', 'ref2']], 0.0],
  [['this is a test'], [['this is a test']], 1.0],
  [['this is a fest'], [['this is a test']], 0.223606797749979],
];

const _refs = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
const _hyps = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];

const test_corpus_bleu_cases: [string[], string[][], Partial<BleuOptions>, number][] = [
  [_hyps, _refs, {}, 48.530827],
  [['', '', ''], _refs, {}, 0.0],
  [_hyps, _refs, { tokenize: 'none' }, 49.1919566],
  [_hyps, _refs, { tokenize: '13a' }, 48.530827],
  [_hyps, _refs, { tokenize: 'intl' }, 43.91623493],
  [_hyps, _refs, { smoothMethod: 'none' }, 48.530827],
];

const test_case_offset: [string[], string[][], number, number][] = [
  [['am I am a character sequence'], [['I am a symbol string sequence a a']], 0.1555722182, 0],
];

const test_case_statistics: [string[], string[][], { common: number[]; total: number[] }][] = [
  [
    ['am I am a character sequence'],
    [['I am a symbol string sequence a a']],
    { common: [4, 2, 1, 0], total: [6, 5, 4, 3] },
  ],
];

const test_case_scoring: [[{ common: number[]; total: number[] }, number, number], number][] = [
  [[{ common: [9, 7, 5, 3], total: [10, 8, 6, 4] }, 11, 11], 0.8375922397],
];

const test_case_effective_order: [string[], string[][], number][] = [
  [['test'], [['a test']], 0.3678794411714425],
  [['a test'], [['a test']], 1.0],
  [['a little test'], [['a test']], 0.03218297948685433],
];

const test_case_degenerate_stats: [[{ common: number[]; total: number[] }, number, number], number, number][] = [
  [[{ common: [0, 0, 0, 0], total: [4, 4, 2, 1] }, 0, 1], 0.0, 0.0],
  [[{ common: [0, 0, 0, 0], total: [10, 11, 12, 0] }, 14, 10], 0.0, 0.0],
  [[{ common: [0, 0, 0, 0], total: [0, 0, 0, 0] }, 0, 0], 0.0, 0.0],
  [[{ common: [6, 5, 4, 0], total: [6, 5, 4, 3] }, 6, 6], 0.0, 0.0],
  [[{ common: [0, 0, 0, 0], total: [0, 0, 0, 0] }, 0, 0], 0.1, 0.0],
  [[{ common: [0, 0, 0, 0], total: [0, 0, 0, 0] }, 1, 5], 0.01, 0.0],
];

const test_bleu_max_order: [number, string[], string[][], string][] = [
  [1, _hyps, _refs, '77.65'],
  [2, _hyps, _refs, '60.50'],
  [3, _hyps, _refs, '53.93'],
  [4, _hyps, _refs, '48.53'],
  [5, _hyps, _refs, '46.14'],
  [6, _hyps, _refs, '43.28'],
];

describe('test_bleu.py vectors', () => {
  it.each(test_raw_bleu_cases)('raw_corpus_bleu %j vs %j = %f', (hyps, refs, expected) => {
    expect(Math.abs(rawCorpusBleu(hyps, refs, 0.01).score / 100 - expected)).toBeLessThan(EPSILON);
  });

  it.each(test_corpus_bleu_cases)('corpus_bleu %j %j %j = %f', (hyps, refs, kw, expected) => {
    expect(Math.abs(corpusBleu(hyps, refs, kw).score - expected)).toBeLessThan(EPSILON);
  });

  it.each(test_case_statistics)('statistics of %j vs %j', (hyps, refs, st) => {
    const r = rawCorpusBleu(hyps, refs, 0.01);
    expect(r.counts).toEqual(st.common);
    expect(r.totals).toEqual(st.total);
  });

  it.each(test_case_offset)('offset: floor default 0.1 gives %f, 0.0 gives 0', (hyps, refs, withDefault, without) => {
    expect(Math.abs(rawCorpusBleu(hyps, refs, 0.0).score / 100 - without)).toBeLessThan(EPSILON);
    expect(Math.abs(rawCorpusBleu(hyps, refs, null).score / 100 - withDefault)).toBeLessThan(EPSILON);
    expect(Math.abs(rawCorpusBleu(hyps, refs).score / 100 - withDefault)).toBeLessThan(EPSILON);
  });

  it.each(test_case_scoring)('compute_bleu(%j) = %f', ([st, sysLen, refLen], expected) => {
    expect(Math.abs(computeBleu(st.common, st.total, sysLen, refLen).score / 100 - expected)).toBeLessThan(EPSILON);
  });

  it.each(test_case_effective_order)('effective order %j vs %j = %f', (hyps, refs, expected) => {
    expect(Math.abs(rawCorpusBleu(hyps, refs, 0.01).score / 100 - expected)).toBeLessThan(EPSILON);
  });

  it.each(test_case_degenerate_stats)(
    'degenerate stats %j offset %f → %f exactly',
    ([st, sysLen, refLen], offset, expected) => {
      expect(
        computeBleu(st.common, st.total, sysLen, refLen, { smoothMethod: 'floor', smoothValue: offset }).score / 100,
      ).toBe(expected);
    },
  );

  it.each(test_bleu_max_order)('max_ngram_order %i → %s', (order, hyps, refs, expected) => {
    expect(new Bleu({ maxNgramOrder: order }).corpusScore(hyps, refs).score.toFixed(2)).toBe(expected); // no ties at these values;
  });
});

// test_sentence_bleu.py
const REF = 'producţia de zahăr brut se exprimă în zahăr alb;';
const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
type SentCase = [BleuOptions['smoothMethod'], number | null, boolean, BleuOptions['tokenize'], number];
const test_cases: SentCase[] = [
  ['exp', null, false, '13a', 8.493],
  ['none', null, false, '13a', 0.0],
  ['floor', null, false, '13a', 4.51688],
  ['floor', 0.1, false, '13a', 4.51688],
  ['floor', 0.5, false, '13a', 10.1],
  ['add-k', null, false, '13a', 14.882],
  ['add-k', 1, false, '13a', 14.882],
  ['add-k', 2, false, '13a', 21.389],
  ['exp', null, false, 'none', 7.347],
  ['exp', null, false, 'intl', 8.493],
  ['exp', null, false, 'char', 40.8759],
  ['exp', null, true, 'char', 42.0267],
];
const REF_0 = 'okay thanks';
const SYS_0 = 'this is a cat';
const test_cases_zero_bleu: SentCase[] = [
  ['exp', null, false, '13a', 0.0],
  ['none', null, false, '13a', 0.0],
  ['floor', null, false, '13a', 0.0],
  ['floor', 0.1, false, '13a', 0.0],
  ['add-k', null, false, '13a', 0.0],
  ['add-k', 1, false, '13a', 0.0],
];

describe('test_sentence_bleu.py vectors (effective order, tolerance 1e-3)', () => {
  const run = (sys: string, ref: string, [smoothMethod, smoothValue, lowercase, tokenize]: SentCase) =>
    new Bleu({ smoothMethod, smoothValue, lowercase, tokenize, effectiveOrder: true }).sentenceScore(sys, [ref]).score;
  it.each(test_cases)('smooth %s value %s lowercase %s tok %s → %f', (...c) => {
    expect(Math.abs(run(SYS, REF, c) - c[4])).toBeLessThan(1e-3);
  });
  it.each(test_cases_zero_bleu)('no match: smooth %s value %s lowercase %s tok %s → %f', (...c) => {
    expect(Math.abs(run(SYS_0, REF_0, c) - c[4])).toBeLessThan(1e-3);
  });
});

describe('README example, printed lines', () => {
  it('BLEU and chrF lines and signatures with two references', () => {
    const bleu = new Bleu();
    const s = bleu.corpusScore(_hyps, _refs);
    expect(formatBleu(s)).toBe('BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)');
    expect(bleu.signature()).toBe('nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:seq2seq-0.1.0');
    expect(formatChrf(corpusChrf(_hyps, _refs))).toBe('chrF2 = 59.73');
  });

  it('variable number of references: nrefs:var', () => {
    const refs = [['', ..._refs[0].slice(1)], _refs[1]];
    const bleu = new Bleu();
    expect(formatBleu(bleu.corpusScore(_hyps, refs))).toBe(
      'BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)',
    );
    expect(bleu.signature()).toBe('nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:seq2seq-0.1.0');
  });

  it('smoothing values appear in the signature as sacreBLEU writes them', () => {
    expect(new Bleu({ smoothMethod: 'floor' }).signature()).toContain('smooth:floor[0.10]');
    expect(new Bleu({ smoothMethod: 'add-k', smoothValue: 2, lowercase: true }).signature()).toContain(
      'case:lc|eff:no|tok:13a|smooth:add-k[2.00]',
    );
  });
});
