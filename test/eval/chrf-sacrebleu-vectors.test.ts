/** sacreBLEU 2.6.0's chrF test vectors (test/test_chrf.py), called as the notes describe; tolerance 1e-4. */
import { describe, expect, it } from 'vitest';
import { corpusChrf, sentenceChrf } from '../../src/eval/chrf.js';

const EPSILON = 1e-4;

const test_sentence_level_chrf: [string, string[], number][] = [
  [
    'Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.',
    ['Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.'],
    39.14078509,
  ],
  [
    'Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.',
    ['A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.'],
    31.22557079,
  ],
  [
    'Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.',
    ['Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.'],
    57.15704367,
  ],
];

const test_cases: [string[], string[], number][] = [
  [['abcdefg'], ['hijklmnop'], 0.0],
  [['a'], ['b'], 0.0],
  [[''], ['b'], 0.0],
  [[''], ['ref'], 0.0],
  [[''], ['reference'], 0.0],
  [['aa'], ['ab'], 8.3333],
  [['a', 'b'], ['a', 'c'], 8.3333],
  [['a'], ['a'], 16.6667],
  [['a b c'], ['a b c'], 50.0],
  [['a b c'], ['abc'], 50.0],
  [
    [
      ' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
    ],
    [
      'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
    ],
    63.36173,
  ],
  [
    [' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '],
    ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'],
    64.1302698,
  ],
  [['Niemand hat die Absicht, eine Mauer zu errichten'], ['Niemand hat die Absicht, eine Mauer zu errichten'], 100.0],
];

const test_cases_effective_order: [string[], string[], number][] = [
  [['a'], ['a'], 100.0],
  [[''], ['reference'], 0.0],
  [['a b c'], ['a b c'], 100.0],
  [['a b c'], ['abc'], 100.0],
  [[''], ['c'], 0.0],
  [['a', 'b'], ['a', 'c'], 50.0],
  [['aa'], ['ab'], 25.0],
];

const test_cases_keep_whitespace: [string[], string[], number][] = [
  [
    ['Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.'],
    ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'],
    67.3481606,
  ],
  [
    [
      'risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
    ],
    [
      'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
    ],
    65.2414427,
  ],
];

describe('test_chrf.py vectors', () => {
  it.each(test_cases)('eps smoothing, β=3: %j vs %j = %f', (hyps, refs, expected) => {
    const s = corpusChrf(hyps, [refs], { charOrder: 6, wordOrder: 0, beta: 3, epsSmoothing: true });
    expect(Math.abs(s.score - expected)).toBeLessThan(EPSILON);
  });
  it.each(test_cases_effective_order)('effective order, β=3: %j vs %j = %f', (hyps, refs, expected) => {
    const s = corpusChrf(hyps, [refs], { charOrder: 6, wordOrder: 0, beta: 3, epsSmoothing: false });
    expect(Math.abs(s.score - expected)).toBeLessThan(EPSILON);
  });
  it.each(test_cases_keep_whitespace)('whitespace kept, β=3: %j vs %j = %f', (hyps, refs, expected) => {
    const s = corpusChrf(hyps, [refs], { charOrder: 6, wordOrder: 0, beta: 3, whitespace: true });
    expect(Math.abs(s.score - expected)).toBeLessThan(EPSILON);
  });
  it.each(test_sentence_level_chrf)('sentence_chrf(%j, %j, eps) = %f', (hyp, refs, expected) => {
    expect(Math.abs(sentenceChrf(hyp, refs, { epsSmoothing: true }).score - expected)).toBeLessThan(EPSILON);
  });
});
