/**
 * The Tokenizer API: the lossless round trips on random Unicode, the documented cases by hand,
 * special-token literals, <unk>, save/load (atomic, identical behaviour) and load errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { learnBpe, Tokenizer } from '../../src/text/tokenizer.js';
import { awkwardText, textOver } from './arbitraries.js';

const CORPUS = [
  'A man in an orange hat starring at something.',
  'Two young, White males are outside near many bushes.',
  'A little girl climbing into a wooden playhouse.',
  'Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt.',
  'Zwei junge weiße Männer sind im Freien in der Nähe vieler Büsche.',
  'Un homme avec un chapeau orange regardant quelque chose. Déjà vu, ça va ?',
  'Émoji 😀 et 👩‍👩‍👧 ; tab\there; e\u0301 composé.',
];

let dir: string;
let tok: Tokenizer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenizer-test-'));
  tok = await learnBpe(CORPUS, { vocabSize: 200, minFrequency: 1 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vocabChars = () => {
  const chars: string[] = [' '];
  for (let i = 4; i < tok.vocabSize; i++) {
    const t = tok.idToToken(i);
    if ([...t].length === 1 && t !== '▁') chars.push(t);
  }
  return chars;
};

describe('Tokenizer', () => {
  it('has the special tokens at 0..3 and the requested size', () => {
    expect([0, 1, 2, 3].map((i) => tok.idToToken(i))).toEqual(['<pad>', '<unk>', '<s>', '</s>']);
    expect(tok.vocabSize).toBe(200);
    expect(tok.tokenToId('▁')).toBeGreaterThan(3);
    expect(tok.tokenToId('no such token')).toBeUndefined();
  });

  it('detokenize(tokenize(x)) === normalize(x) for every string (random Unicode)', () => {
    fc.assert(
      fc.property(awkwardText, (x) => {
        expect(tok.detokenize(tok.tokenize(x))).toBe(tok.normalize(x));
      }),
      { numRuns: 1000 },
    );
  });

  it('decode(encode(x)) === normalize(x) for text made of vocabulary characters', () => {
    const chars = vocabChars();
    fc.assert(
      fc.property(textOver(chars), (x) => {
        expect(tok.decode(tok.encode(x))).toBe(tok.normalize(x));
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips a very long line (200k characters, no spaces and with spaces)', () => {
    const chars = vocabChars().filter((c) => c !== ' ');
    let noSpace = '';
    for (let i = 0; i < 200_000; i++) noSpace += chars[(i * 7919) % chars.length];
    expect(tok.decode(tok.encode(noSpace))).toBe(noSpace);
    const words = CORPUS.join(' ').repeat(400);
    expect(tok.decode(tok.encode(words))).toBe(tok.normalize(words));
  });

  it('pieces and ids agree: tokenToId of every piece is the encoded id (unknown → <unk>)', () => {
    fc.assert(
      fc.property(awkwardText, (x) => {
        const ids = Array.from(tok.encode(x));
        expect(tok.tokenize(x).map((p) => tok.tokenToId(p) ?? 1)).toEqual(ids);
      }),
      { numRuns: 500 },
    );
  });

  it('handles the documented cases', () => {
    expect(tok.tokenize('')).toEqual([]);
    expect(Array.from(tok.encode(''))).toEqual([]);
    expect(tok.decode([])).toBe('');
    // leading, trailing and repeated spaces each keep a ▁
    expect(tok.tokenize('  a ')).toEqual(['▁', '▁', '▁a', '▁']);
    expect(tok.decode(tok.encode('  a  man '))).toBe('  a  man ');
    // a literal ▁ is a space
    expect(tok.normalize('a\u2581man')).toBe('a man');
    expect(tok.decode(tok.encode('a\u2581man'))).toBe('a man');
    // NFC: decomposed é comes back composed
    expect(tok.decode(tok.encode('De\u0301ja\u0300'))).toBe('Déjà');
    // an unknown character is <unk> in ids but itself in pieces
    expect(tok.tokenize('a ☃')).toEqual(['▁a', '▁', '☃']);
    expect(Array.from(tok.encode('a ☃')).at(-1)).toBe(1);
    expect(tok.decode(tok.encode('a ☃'))).toBe('a <unk>');
    // lone surrogate → U+FFFD (unknown here)
    expect(tok.normalize('a\ud800')).toBe('a\ufffd');
  });

  it('decode skips <pad>, <s> and </s>', () => {
    const ids = [2, ...tok.encode('A man'), 3, 0, 0];
    expect(tok.decode(ids)).toBe('A man');
    expect(() => tok.decode([tok.vocabSize])).toThrow(InputError);
  });

  it('treats literal special-token strings as Hugging Face does: their own ids, segments on each side', () => {
    const ids = Array.from(tok.encode('a<s>man'));
    expect(ids[ids.indexOf(2) - 1]).toBe(tok.tokenToId('▁a'));
    expect(ids.filter((i) => i === 2).length).toBe(1);
    expect(tok.tokenize('<unk> a')).toEqual(['<unk>', '▁', '▁a']);
    expect(tok.detokenize(tok.tokenize('x<s> a</s>'))).toBe('x<s> a</s>');
  });

  it('lowercases and applies NFKC when asked', async () => {
    const t = await learnBpe(['ABC ﬁ Ａ'], { vocabSize: 30, minFrequency: 1, lowercase: true, normalization: 'nfkc' });
    expect(t.normalize('ABC ﬁ Ａ')).toBe('abc fi a');
    expect(t.decode(t.encode('ABC ﬁ Ａ'))).toBe('abc fi a');
    expect(t.tokenToId('A')).toBeUndefined();
  });

  it('saves atomically and loads back an identical tokenizer', () => {
    const path = join(dir, 'tok.json');
    tok.save(path);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const back = Tokenizer.load(path);
    expect(back.vocabSize).toBe(tok.vocabSize);
    expect(back.toJSON()).toEqual(tok.toJSON());
    fc.assert(
      fc.property(awkwardText, (x) => {
        expect(Array.from(back.encode(x))).toEqual(Array.from(tok.encode(x)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps tokens spelled like Object.prototype members through save and load', async () => {
    const t = await learnBpe(['a__proto__ b__proto__ c__proto__ constructor constructor'], {
      vocabSize: 60,
      minFrequency: 1,
    });
    expect(t.tokenToId('__proto__')).toBeDefined();
    const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(back.vocabSize).toBe(t.vocabSize);
    expect(back.tokenToId('__proto__')).toBe(t.tokenToId('__proto__'));
    expect(Array.from(back.encode('d__proto__ constructor'))).toEqual(Array.from(t.encode('d__proto__ constructor')));
  });

  it('save fails with "path: problem" when the directory does not exist', () => {
    const path = join(dir, 'no', 'such', 'tok.json');
    expect(() => tok.save(path)).toThrow(
      new InputError(`${path}: directory ${join(dir, 'no', 'such')} does not exist`),
    );
  });

  it('load fails with "path: problem" on a missing or invalid file', () => {
    const missing = join(dir, 'missing.json');
    expect(() => Tokenizer.load(missing)).toThrow(new InputError(`${missing}: no such file`));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => Tokenizer.load(bad)).toThrow(/bad\.json: not valid JSON/);
    const wordLevel = join(dir, 'wl.json');
    writeFileSync(wordLevel, JSON.stringify({ model: { type: 'WordLevel', vocab: {} } }));
    expect(() => Tokenizer.load(wordLevel)).toThrow(
      `${wordLevel}: model is not a BPE model (model.type must be "BPE")`,
    );
    const j = tok.toJSON() as { model: { merges: string[] } };
    j.model.merges.push('▁ nosuch');
    expect(() => Tokenizer.fromJSON(j, 'x.json')).toThrow('x.json: model.merges[');
  });

  it('learns the same tokenizer from an async iterable', async () => {
    async function* gen() {
      yield* CORPUS;
    }
    const t = await learnBpe(gen(), { vocabSize: 200, minFrequency: 1 });
    expect(t.toJSON()).toEqual(tok.toJSON());
  });

  it('rejects bad options', async () => {
    await expect(learnBpe(CORPUS, { vocabSize: 4 })).rejects.toThrow(InputError);
    await expect(learnBpe(CORPUS, { vocabSize: 100, minFrequency: 0 })).rejects.toThrow(InputError);
  });
});
