/**
 * evaluate(): the figures `seq2seq eval` prints, returned as data, recomputed here from the
 * pieces they are made of — the Translator's own translations, corpus BLEU/chrF of those, the
 * perplexity from model.loss (one model) or forced decoding (an ensemble), and the cropping count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecodingModels, type DecodingRun } from '../../src/decode/run-loader.js';
import { Translator } from '../../src/decode/translator.js';
import { corpusBleu } from '../../src/eval/bleu.js';
import { corpusChrf } from '../../src/eval/chrf.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { forcedPerplexity, perplexity } from '../../src/eval/model-scores.js';
import { TINY_SRC, TINY_TGT, makeTinyRun } from '../decode/tiny-run.js';

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-evaluate-'));
const pairs = TINY_SRC.map((src, i) => ({ src, tgt: TINY_TGT[i], line: i + 1 }));
let one: DecodingRun;
let two: DecodingRun;
let short: DecodingRun;
beforeAll(async () => {
  one = await loadDecodingModels([await makeTinyRun(join(dir, 'a'))]);
  two = await loadDecodingModels([join(dir, 'a'), await makeTinyRun(join(dir, 'b'), { seed: 8 })]);
  short = await loadDecodingModels([await makeTinyRun(join(dir, 'short'), { maxSourceLength: 4 })]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const metrics = ['bleu', 'chrf', 'chrf++'] as const;
const search = { beam: 2, lengthPenalty: 0.6, maxLengthRatio: 2, maxLengthConstant: 10, replaceUnk: false };
const opts = { ...search, batchSize: 2, metrics, lowercase: false };
const crop = (ids: Int32Array, limit?: number) => (limit && ids.length > limit ? ids.slice(0, limit) : ids);
const encode = (run: DecodingRun, limit?: number) => ({
  src: TINY_SRC.map((s) => crop(run.srcTokenizer.encode(s), limit)),
  tgt: TINY_TGT.map((t) => run.tgtTokenizer.encode(t)),
});

describe('evaluate', () => {
  it('one model: its translations, their BLEU/chrF/chrF++, the loss perplexity, the speed', () => {
    const r = evaluate(one, pairs, opts);
    const t = new Translator(one.model, one.srcTokenizer, one.tgtTokenizer, { beam: 2, lengthPenalty: 0.6 });
    expect(r.hypotheses).toEqual(t.translate(TINY_SRC).map((x) => x.hyps[0].text));
    expect(r.metrics.map((m) => m.name)).toEqual(['BLEU', 'chrF2', 'chrF2++']);
    expect(r.metrics[0].score).toBe(corpusBleu(r.hypotheses, [TINY_TGT]).score);
    expect(r.metrics[1].score).toBe(corpusChrf(r.hypotheses, [TINY_TGT]).score);
    expect(r.metrics[2].score).toBe(corpusChrf(r.hypotheses, [TINY_TGT], { wordOrder: 2 }).score);
    const e = encode(one);
    expect(r.perplexity).toEqual(perplexity(one.model, e.src, e.tgt, 2));
    expect(r.decoding).toMatchObject({ search: 'beam 2', sentences: 5 });
    expect(r.decoding.sentencesPerSecond).toBeCloseTo(5 / r.decoding.seconds, 6);
    expect(r.cropped).toBe(0);
    expect(evaluate(one, pairs, { ...opts, beam: 1 }).decoding.search).toBe('greedy');
  });

  it('an ensemble: perplexity by forced decoding (it has no loss), which differs from either member', () => {
    const r = evaluate(two, pairs, opts);
    const e = encode(two);
    expect(r.perplexity).toEqual(forcedPerplexity(two.model, e.src, e.tgt, 2));
    expect(r.perplexity.perplexity).not.toBeCloseTo(evaluate(one, pairs, opts).perplexity.perplexity, 3);
  });

  it('sources over the model limit are counted, and cropped the same way for the perplexity', () => {
    const r = evaluate(short, pairs, opts);
    const e = encode(short);
    expect(r.cropped).toBe(e.src.filter((ids) => ids.length > 4).length);
    expect(r.cropped).toBeGreaterThan(0);
    const cropped = encode(short, 4);
    expect(r.perplexity).toEqual(perplexity(short.model, cropped.src, cropped.tgt, 2));
  });
});
