/**
 * 120 random segment pairs scored by sacreBLEU 2.6.0 itself (Python; fixtures/sacrebleu-random.json):
 * strings over ASCII punctuation, digits, HTML entities, <skipped>, Unicode letters, punctuation,
 * symbols, emoji and Python-only whitespace — the corners of the tokenisers. Sentence BLEU (13a,
 * intl, char+lowercase; effective order), sentence chrF / chrF++ / eps-smoothed chrF, the 13a and intl
 * token strings, and corpus scores must all agree.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Bleu } from '../../src/eval/bleu.js';
import { Chrf } from '../../src/eval/chrf.js';
import { pyRstrip } from '../../src/eval/python-text.js';
import { tokenize13a, tokenizeIntl } from '../../src/eval/tokenizers.js';

interface Row {
  h: string;
  r: string;
  b13: number;
  bintl: number;
  bchar: number;
  c: number;
  cpp: number;
  ceps: number;
  tok13a: string;
  tokintl: string;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/sacrebleu-random.json', import.meta.url), 'utf8')) as {
  rows: Row[];
  corpus: Record<string, number>;
};

describe('random segments scored by sacreBLEU 2.6.0', () => {
  it('tokenisers produce the same token strings', () => {
    for (const r of fx.rows) {
      expect(tokenize13a(pyRstrip(r.r))).toBe(r.tok13a);
      expect(tokenizeIntl(pyRstrip(r.r))).toBe(r.tokintl);
    }
  });

  it('sentence BLEU and chrF agree to 1e-9', () => {
    const b13 = new Bleu({ effectiveOrder: true });
    const bintl = new Bleu({ effectiveOrder: true, tokenize: 'intl' });
    const bchar = new Bleu({ effectiveOrder: true, tokenize: 'char', lowercase: true });
    const c = new Chrf();
    const cpp = new Chrf({ wordOrder: 2 });
    const ceps = new Chrf({ epsSmoothing: true });
    for (const r of fx.rows) {
      expect(Math.abs(b13.sentenceScore(r.h, [r.r]).score - r.b13)).toBeLessThan(1e-9);
      expect(Math.abs(bintl.sentenceScore(r.h, [r.r]).score - r.bintl)).toBeLessThan(1e-9);
      expect(Math.abs(bchar.sentenceScore(r.h, [r.r]).score - r.bchar)).toBeLessThan(1e-9);
      expect(Math.abs(c.sentenceScore(r.h, [r.r]).score - r.c)).toBeLessThan(1e-9);
      expect(Math.abs(cpp.sentenceScore(r.h, [r.r]).score - r.cpp)).toBeLessThan(1e-9);
      expect(Math.abs(ceps.sentenceScore(r.h, [r.r]).score - r.ceps)).toBeLessThan(1e-9);
    }
  });

  it('corpus scores agree to 1e-9', () => {
    const hs = fx.rows.map((r) => r.h);
    const rs = [fx.rows.map((r) => r.r)];
    const cases: [string, number][] = [
      ['bleu_13a', new Bleu().corpusScore(hs, rs).score],
      ['bleu_intl_lc', new Bleu({ tokenize: 'intl', lowercase: true }).corpusScore(hs, rs).score],
      ['chrf', new Chrf().corpusScore(hs, rs).score],
      ['chrf_pp', new Chrf({ wordOrder: 2 }).corpusScore(hs, rs).score],
      ['chrf_eps', new Chrf({ epsSmoothing: true }).corpusScore(hs, rs).score],
    ];
    for (const [k, v] of cases) expect(Math.abs(v - fx.corpus[k]), k).toBeLessThan(1e-9);
  });
});
