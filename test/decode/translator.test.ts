/** Translator over a mock model and a word-level codec: order, empty lines, batching, cropping, <unk> replacement. */
import { describe, expect, it } from 'vitest';
import { UNK_ID } from '../../src/data/batch.js';
import { Translator, joinPieces, type TextCodec } from '../../src/decode/translator.js';
import { MockModel } from './mock-model.js';

/** Words w0..wN; ids 0..3 are the specials, unknown words → <unk>. */
function wordCodec(n: number): TextCodec {
  const vocab = ['<pad>', '<unk>', '<s>', '</s>', ...Array.from({ length: n - 4 }, (_, i) => `w${i}`)];
  const index = new Map(vocab.map((w, i) => [w, i]));
  return {
    tokenize: (t) => t.split(/\s+/).filter((w) => w !== ''),
    encode: (t) =>
      Int32Array.from(
        t.split(/\s+/).filter((w) => w !== ''),
        (w) => index.get(w) ?? UNK_ID,
      ),
    decode: (ids) =>
      Array.from(ids, (id) => vocab[id])
        .filter((w) => !['<pad>', '<s>', '</s>'].includes(w))
        .join(' '),
    idToToken: (id) => vocab[id],
    detokenize: (pieces) => pieces.join(' '),
  };
}

const V = 14;
const codec = wordCodec(V);
const lines = ['w1 w2 w3', '', 'w4', '   ', 'w5 w6 w7 w8 w9 w1', 'w2 w2', 'w3 w8 w1 w0'];

describe('Translator', () => {
  it('one translation per line, in order; empty and whitespace-only lines give an empty translation', () => {
    const tr = new Translator(new MockModel({ vocab: V, seed: 4, eosBias: 1 }), codec, codec, { beam: 3, nBest: 2 });
    const out = tr.translate(lines);
    expect(out.map((t) => t.source)).toEqual(lines);
    expect(out[1].hyps).toEqual([{ text: '', score: 0, ids: [], pieces: [], attention: null }]);
    expect(out[3].hyps[0].text).toBe('');
    for (const i of [0, 2, 4, 5, 6]) {
      expect(out[i].hyps.length).toBeGreaterThan(0);
      expect(out[i].hyps.length).toBeLessThanOrEqual(2);
      expect(out[i].sourcePieces).toEqual(lines[i].split(' '));
      const h = out[i].hyps[0];
      expect(h.text).toBe(codec.decode(h.ids));
      expect(h.pieces).toEqual(h.ids.map((id) => codec.idToToken(id)));
    }
  });

  it('translating many lines at once equals translating each alone (greedy and beam)', () => {
    for (const beam of [1, 4]) {
      const tr = new Translator(new MockModel({ vocab: V, seed: 9, eosBias: 0.5 }), codec, codec, {
        beam,
        nBest: beam === 1 ? 1 : 3,
      });
      const all = tr.translate(lines);
      const one = lines.map((l) => tr.translate([l])[0]);
      expect(all).toEqual(one);
    }
  });

  it('a source over the limit is cropped with a warning, and translated as the cropped text', () => {
    const tr = new Translator(new MockModel({ vocab: V, seed: 2, eosBias: 1 }), codec, codec, {
      beam: 2,
      maxSourceLength: 3,
    });
    const [long, short] = tr.translate(['w1 w2 w3 w4 w5', 'w1 w2']);
    expect(long.warnings).toEqual(["source of 5 tokens cropped to the model's limit of 3"]);
    expect(long.sourcePieces).toEqual(['w1', 'w2', 'w3']);
    expect(short.warnings).toEqual([]);
    const [cropped] = tr.translate(['w1 w2 w3']);
    expect(long.hyps).toEqual(cropped.hyps);
    // An option passed as undefined keeps the default limit.
    expect(tr.translate(['w1 w2 w3 w4 w5'], { maxSourceLength: undefined, beam: 2 })[0].warnings).toHaveLength(1);
  });

  it('--replace-unk: an output <unk> becomes the source piece with the highest attention weight', () => {
    let checked = 0;
    for (let seed = 0; seed < 200 && checked < 5; seed++) {
      const model = new MockModel({ vocab: V, seed, eosBias: -0.5 });
      const src = 'w1 OOV1 w3 OOV2 w5';
      const plain = new Translator(model, codec, codec, { beam: 1 }).translate([src])[0].hyps[0];
      const t = plain.ids.indexOf(UNK_ID);
      if (t < 0) continue;
      const rep = new Translator(model, codec, codec, { beam: 1, replaceUnk: true }).translate([src])[0].hyps[0];
      expect(rep.ids).toEqual(plain.ids);
      // Independent: the mock's attention row for the prefix before position t.
      const srcIds = Array.from(codec.encode(src));
      const row = Array.from(model.attentionRow(srcIds, plain.ids.slice(0, t), srcIds.length));
      const j = row.indexOf(Math.max(...row));
      expect(rep.pieces[t]).toBe(src.split(' ')[j]);
      expect(rep.text.split(' ')[t]).toBe(src.split(' ')[j]);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('rejects bad options with InputError', () => {
    const m = new MockModel({ vocab: V, seed: 1 });
    expect(() => new Translator(m, codec, codec, { beam: 0 })).toThrow(/beam must be a positive integer/);
    expect(() => new Translator(m, codec, codec).translate(['w1'], { beam: 2, nBest: 3 })).toThrow(
      /cannot exceed the beam/,
    );
  });

  it('joinPieces: metaspace to spaces, one leading space dropped', () => {
    expect(joinPieces(['▁Hello', '▁wor', 'ld', '!'])).toBe('Hello world!');
  });
});
