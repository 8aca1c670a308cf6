/**
 * The controller without Ink: keys in, effects carried out (translations stepped by hand, :save
 * into a temporary directory, quit), state out. One test runs the real Translator on a tiny
 * random model to check the over-length warning against the tokenizer's own pieces.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Translator } from '../../../src/decode/translator.js';
import { Seq2Seq } from '../../../src/model/seq2seq.js';
import { learnBpe } from '../../../src/text/tokenizer.js';
import { Rng } from '../../../src/util/rng.js';
import { TranslateController } from '../../../src/ui/translate/controller.js';
import { initialState } from '../../../src/ui/translate/translate-state.js';
import type { TranslatorLike } from '../../../src/ui/translate/types.js';
import { FakeTranslator } from './fake-translator.js';

function controller(translator: TranslatorLike, cwd?: string) {
  const pending: (() => void)[] = [];
  let cancelled = 0;
  let quits = 0;
  const c = new TranslateController({
    translator,
    initial: initialState({ screen: { columns: 100, rows: 30 }, colour: false, richColour: false }),
    schedule: (run) => {
      pending.push(run);
      return () => {
        cancelled++;
        pending.splice(pending.indexOf(run), 1);
      };
    },
    onQuit: () => quits++,
    cwd,
    now: () => 0,
  });
  const typeLine = (text: string) => {
    c.key(text, {});
    c.key('\r', { return: true });
  };
  const step = () => pending.shift()!();
  return { c, pending, typeLine, step, cancelled: () => cancelled, quits: () => quits };
}

describe('TranslateController', () => {
  it('keeps keys typed while a line is translating, and translates the queued lines in order', () => {
    const translator = new FakeTranslator();
    const t = controller(translator);
    t.typeLine('one two');
    expect(t.c.getState().busy).toBe('one two');
    expect(translator.calls).toHaveLength(0); // "translating…" is drawn first
    t.typeLine('three four');
    t.c.key('fi', {});
    t.c.key('ve', {});
    expect(t.c.getState().queue).toEqual(['three four']);
    expect(t.c.getState().line.text).toBe('five');
    t.step();
    expect(translator.calls.map((x) => x.lines)).toEqual([['one two']]);
    expect(t.c.getState().busy).toBe('three four');
    t.step();
    expect(t.c.getState().entries.map((e) => e.translation?.hyps[0]?.text)).toEqual(['TWO ONE', 'FOUR THREE']);
    expect(t.pending).toHaveLength(0);
  });

  it('tells subscribers about every change', () => {
    const t = controller(new FakeTranslator());
    let calls = 0;
    const off = t.c.subscribe(() => calls++);
    t.c.key('a', {});
    t.c.key('', { leftArrow: true });
    expect(calls).toBe(2);
    off();
    t.c.key('b', {});
    expect(calls).toBe(2);
  });

  it('quitting cancels a scheduled translation and calls onQuit once', () => {
    const translator = new FakeTranslator();
    const t = controller(translator);
    t.typeLine('slow sentence');
    expect(t.pending).toHaveLength(1);
    t.c.key('c', { ctrl: true });
    t.c.key('d', { ctrl: true });
    expect(t.quits()).toBe(1);
    expect(t.cancelled()).toBe(1);
    expect(t.pending).toHaveLength(0);
    expect(translator.calls).toHaveLength(0);
  });

  it('a translator that throws gives an entry with the first line of the error', () => {
    const t = controller(new FakeTranslator());
    t.typeLine('boom');
    t.step();
    expect(t.c.getState().entries[0]!.error).toBe('decoder exploded: NaN in logits');
  });

  it(':save writes the pairs and reports the path; an unwritable path is reported, not thrown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seq2seq-ctl-'));
    try {
      const t = controller(new FakeTranslator(), dir);
      t.typeLine('a b');
      t.step();
      t.typeLine(':save pairs.tsv');
      expect(readFileSync(join(dir, 'pairs.tsv'), 'utf8')).toBe('a b\tB A\n');
      expect(t.c.getState().status).toEqual({ kind: 'info', text: `saved 1 pair to ${join(dir, 'pairs.tsv')}` });
      t.typeLine(':save missing/dir/x.tsv');
      expect(t.c.getState().status?.kind).toBe('error');
      expect(t.c.getState().status?.text).toMatch(/^cannot save: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with the real Translator: a line over the model limit is cropped, and the rest is named', async () => {
    const corpus = ['a man is riding a bike .', 'two dogs play in the park .', 'a woman is reading a book .'];
    const src = await learnBpe(corpus, { vocabSize: 60, minFrequency: 1 });
    const tgt = await learnBpe(corpus, { vocabSize: 60, minFrequency: 1 });
    const model = new Seq2Seq(
      {
        cell: 'gru',
        srcVocabSize: src.vocabSize,
        tgtVocabSize: tgt.vocabSize,
        embeddingSize: 8,
        hiddenSize: 8,
        attention: 'bahdanau',
      },
      new Rng(3),
    );
    const limit = 7;
    const t = controller(new Translator(model, src, tgt, { beam: 2, nBest: 1, maxSourceLength: limit }));
    const line = 'two dogs are riding a bike in the park .';
    const pieces = src.tokenize(line);
    expect(pieces.length).toBeGreaterThan(limit);
    t.typeLine(line);
    t.step();
    const s = t.c.getState();
    // What the tokenizer puts after the 7th piece, turned back into text ("▁" is a space).
    const expected = pieces.slice(limit).join('').replaceAll('\u2581', ' ').trim();
    expect(s.entries[0]!.translation!.sourcePieces).toEqual(pieces.slice(0, limit));
    expect(s.entries[0]!.leftOut).toBe(expected);
    expect(s.status).toEqual({
      kind: 'warning',
      text:
        `not all translated: source of ${pieces.length} tokens cropped to the model's limit of ${limit}; ` +
        'split the line',
    });
  });
});
