/**
 * `corpus prepare` (src/data/prepare.ts): the cleaning rules on hand-made sentences, the report's
 * counts on a corpus whose every oddity is placed by hand, a property test (fast-check) that no
 * pair or source sentence lands in two splits and that the streaming implementation (typed-array
 * hash tables, a pair store on disk) splits exactly like the in-memory splitCorpus, the CLI's
 * errors, and the Tatoeba recipe: ../shared/corpora/tatoeba-eng-fra/fra.txt split into the very
 * files scripts/prepare-tatoeba.mjs wrote (their sha256, recorded from that script's split.json).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanSentence, codePoints } from '../../src/data/clean-text.js';
import { KeyTable } from '../../src/data/key-table.js';
import { PairStore } from '../../src/data/pair-store.js';
import {
  parseSplitSize,
  prepareCorpus,
  resolveSplitSize,
  type PrepareReport,
  type PrepareSettings,
} from '../../src/data/prepare.js';
import { type CorpusSplit, sourceKey, splitCorpus } from '../../src/data/split.js';
import { REPO, runCli } from '../helpers/run-cli.js';

let tmp: string;
let k = 0;
const dirOf = () => {
  const d = join(tmp, `p${k++}`);
  mkdirSync(d);
  return d;
};
const lines = (p: string) => readFileSync(p, 'utf8').split('\n').slice(0, -1);
const base: PrepareSettings = {
  src: 'en',
  tgt: 'fr',
  seed: 1,
  valid: { count: 2 },
  test: { count: 2 },
  maxChars: 0,
  maxRatio: 0,
};

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'seq2seq-prepare-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('cleaning', () => {
  it('NFC, control characters (white-space ones become a space), trimming; other spacing kept', () => {
    expect(cleanSentence('Cafe\u0301')).toEqual({ text: 'Café', nfc: true, controls: false });
    expect(cleanSentence('a\u0001b')).toEqual({ text: 'ab', nfc: false, controls: true });
    expect(cleanSentence('a\tb\rc')).toEqual({ text: 'a b c', nfc: false, controls: true });
    expect(cleanSentence('  x\u0007 \u0085')).toEqual({ text: 'x', nfc: false, controls: true });
    expect(cleanSentence('Salut\u00a0!  Oui.')).toEqual({ text: 'Salut\u00a0!  Oui.', nfc: false, controls: false });
    expect(cleanSentence('\u009b')).toEqual({ text: '', nfc: false, controls: true });
    expect(codePoints('😀a')).toBe(2);
    expect(codePoints('Café')).toBe(4);
  });

  it('split sizes: counts, percentages, fractions, and the capped defaults', () => {
    expect(parseSplitSize('2000', '--valid')).toEqual({ count: 2000 });
    expect(parseSplitSize('5%', '--valid')).toEqual({ fraction: 0.05 });
    expect(parseSplitSize('0.1', '--valid')).toEqual({ fraction: 0.1 });
    expect(() => parseSplitSize('150%', '--valid')).toThrow(
      "--valid must be a number of pairs (2000), a percentage (5%) or a fraction below 1 (0.05), got '150%'",
    );
    expect(() => parseSplitSize('-3', '--test')).toThrow(/--test must be/);
    expect(resolveSplitSize({ fraction: 0.05 }, 371)).toBe(19); // 18.55 rounded
    expect(resolveSplitSize({ count: 2000, atMostFraction: 0.05 }, 142652)).toBe(2000);
    expect(resolveSplitSize({ count: 2000, atMostFraction: 0.05 }, 1000)).toBe(50);
  });
});

describe('the hash table and the pair store', () => {
  it('a hash match is only a match when the caller confirms it', () => {
    const t = new KeyTable(4);
    expect(t.findOrInsert('x', 0, () => true)).toBe(-1);
    expect(t.findOrInsert('x', 1, () => true)).toBe(0);
    // Same key, but the caller says the stored one differs (a collision): stored separately.
    expect(t.findOrInsert('x', 2, (v) => v === 2)).toBe(-1);
    expect(t.findOrInsert('x', 3, (v) => v === 2)).toBe(2);
    expect(t.size).toBe(2);
  });

  it('keeps every key through growth', () => {
    const t = new KeyTable(4);
    const inserted = Array.from({ length: 50_000 }, (_, i) => t.findOrInsert(`key ${i}`, i, () => true));
    expect(inserted.every((r) => r === -1)).toBe(true);
    const found = Array.from({ length: 50_000 }, (_, i) => t.findOrInsert(`key ${i}`, -5, (v) => v === i));
    expect(found.every((v, i) => v === i)).toBe(true);
    expect(t.size).toBe(50_000);
  });

  it('reads back any pair, before and after its buffer is flushed', () => {
    const s = new PairStore(join(tmp, 'store'));
    const text = (i: number) => `phrase ${i} ${'é'.repeat(i % 50)}`;
    for (let i = 0; i < 30_000; i++) s.append(`sentence ${i}`, text(i));
    expect(s.get(29_999)).toEqual({ src: 'sentence 29999', tgt: text(29_999) });
    expect(s.get(0)).toEqual({ src: 'sentence 0', tgt: text(0) });
    expect(s.get(12_345)).toEqual({ src: 'sentence 12345', tgt: text(12_345) });
    s.close();
  });
});

describe('prepareCorpus', () => {
  it('reports every pair read as kept or dropped for one reason, and writes the splits', async () => {
    const dir = dirOf();
    const input = join(dir, 'in.tsv');
    const rows = [
      ...Array.from({ length: 40 }, (_, i) => `Sentence ${i}.\tPhrase ${i}.`),
      'Sentence 1.\tAutre phrase 1.', // a second translation: same group as sentence 1
      'Sentence  2. \tPhrase 2.', // a duplicate up to white space
      'Sentence 3.\tPhrase 3.', // an exact duplicate
      '\tNo source.', // empty source
      '', // a blank line: empty
      'Bell \u0007.\tCloche.', // a control character: cleaned, kept
      `${'x'.repeat(30)}\tY.`, // over --max-chars 20
      'A.\tUne longue phrase ?', // ratio 19/2 = 9.5 > 9
    ];
    writeFileSync(input, rows.join('\n') + '\n');
    const out = dirOf();
    const r = await prepareCorpus([{ format: 'tsv', path: input }], out, {
      ...base,
      maxChars: 20,
      maxRatio: 9,
      valid: { count: 5 },
      test: { fraction: 0.1 },
    });
    expect(r.read).toBe(48);
    expect(r.dropped).toEqual({ duplicate: 2, empty: 2, tooLong: 1, ratio: 1 });
    expect(r.changed).toEqual({ nfc: 0, controlChars: 1 });
    expect(r.kept).toBe(42);
    expect(r.groups).toBe(41);
    expect(r.settings.valid).toBe('5 (asked: 5)');
    expect(r.settings.test).toBe('4 (asked: 10%)');
    expect(r.splits.train + r.splits.val + r.splits.test).toBe(42);
    const all = ['train', 'val', 'test'].flatMap((s) => lines(join(out, `${s}.en`)));
    expect(all).toContain('Bell .');
    expect(new Set(all.map(sourceKey)).size).toBe(41);
    for (const s of ['train', 'val', 'test']) {
      const sha = createHash('sha256')
        .update(readFileSync(join(out, `${s}.fr`)))
        .digest('hex');
      expect(r.files[`${s}.fr`]).toEqual({ lines: lines(join(out, `${s}.fr`)).length, sha256: sha });
    }
    expect(JSON.parse(readFileSync(join(out, 'prepare.json'), 'utf8'))).toEqual(r);
    expect(existsSync(join(out, '.pairs.tmp'))).toBe(false);
  });

  /** Sentences from a few words, so that duplicates, white-space variants and shared sources are common. */
  const sentence = fc
    .array(fc.constantFrom('a', 'b', 'c', 'dé', 'e'), { minLength: 1, maxLength: 3 })
    .chain((ws) => fc.constantFrom(' ', '  ').map((sep) => ws.join(sep)));
  const corpus = fc.array(fc.tuple(sentence, sentence), { minLength: 5, maxLength: 120 });

  it('property: no pair or source sentence in two splits; the same split as the in-memory splitCorpus', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpus,
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        async (pairs, seed, valid, test) => {
          const dir = dirOf();
          const input = join(dir, 'in.tsv');
          writeFileSync(input, pairs.map(([s, t]) => `${s}\t${t}`).join('\n') + '\n');
          const out = dirOf();
          const settings = { ...base, seed, valid: { count: valid }, test: { count: test } };
          let reference: CorpusSplit;
          try {
            reference = splitCorpus(
              pairs.map(([src, tgt]) => ({ src, tgt })),
              { valid, test },
              seed,
            );
          } catch {
            await expect(prepareCorpus([{ format: 'tsv', path: input }], out, settings)).rejects.toThrow(
              /leave nothing to train on/,
            );
            return;
          }
          const r: PrepareReport = await prepareCorpus([{ format: 'tsv', path: input }], out, settings);
          const where = new Map<string, string>();
          const pairWhere = new Set<string>();
          for (const s of ['train', 'val', 'test']) {
            const en = lines(join(out, `${s}.en`));
            const fr = lines(join(out, `${s}.fr`));
            for (const [i, x] of en.entries()) {
              const key = sourceKey(x);
              expect(where.get(key) ?? s).toBe(s);
              where.set(key, s);
              const pk = `${key}\t${sourceKey(fr[i])}`;
              expect(pairWhere.has(pk)).toBe(false);
              pairWhere.add(pk);
            }
          }
          expect(r.kept).toBe(pairs.length - r.dropped.duplicate);
          expect(r.dropped.duplicate).toBe(reference.duplicates);
          expect(r.groups).toBe(reference.groups);
          for (const [s, part] of [
            ['train', reference.train],
            ['val', reference.valid],
            ['test', reference.test],
          ] as const) {
            expect(lines(join(out, `${s}.en`))).toEqual(part.map((p) => p.src));
            expect(lines(join(out, `${s}.fr`))).toEqual(part.map((p) => p.tgt));
          }
          rmSync(dir, { recursive: true });
          rmSync(out, { recursive: true });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('seq2seq corpus prepare (CLI)', () => {
  const prepare = (args: string[]) => runCli(['corpus', 'prepare', ...args], { cwd: tmp });

  it('splits a TSV reproducibly by seed (the checks of the former scripts/prepare-tatoeba.mjs test)', async () => {
    const input = join(tmp, 'pairs.tsv');
    writeFileSync(
      input,
      Array.from({ length: 400 }, (_, i) => `English ${i % 250}.\tFrançais ${i}.`).join('\n') + '\n',
    );
    const run = (out: string, seed: string) =>
      prepare([
        input,
        '--src',
        'en',
        '--tgt',
        'fr',
        '--out',
        join(tmp, out),
        '--seed',
        seed,
        '--valid',
        '30',
        '--test',
        '50',
      ]);
    const r1 = await run('t1', '1');
    expect(r1.code).toBe(0);
    expect((await run('t2', '1')).code).toBe(0);
    expect((await run('t3', '2')).code).toBe(0);
    const read = (d: string, f: string) => readFileSync(join(tmp, d, f), 'utf8');
    expect(read('t2', 'test.en')).toBe(read('t1', 'test.en'));
    expect(read('t2', 'train.fr')).toBe(read('t1', 'train.fr'));
    expect(read('t3', 'test.en')).not.toBe(read('t1', 'test.en'));
    const m = JSON.parse(read('t1', 'manifest.json')) as { splits: Record<string, { pairs: number }>; source: string };
    expect(m.source).toBe('prepare');
    expect(m.splits.train.pairs + m.splits.val.pairs + m.splits.test.pairs).toBe(400);
    expect(read('t1', 'train.en').split('\n').length - 1).toBe(m.splits.train.pairs);
    const test = new Set(read('t1', 'test.en').trim().split('\n'));
    for (const s of read('t1', 'train.en').trim().split('\n')) expect(test.has(s)).toBe(false);
    expect(r1.stderr).toContain(
      'prepare: read 400 pairs; dropped 0 duplicates, 0 with an empty side, 0 over 1000 characters, 0 with a ' +
        'length ratio over 9',
    );
    expect(r1.stderr).toMatch(
      /prepare: 400 pairs, 250 distinct source sentences → train \d+, val \d+, test \d+ \(seed 1\) in /,
    );
  });

  it('bad input and usage: exit 2, one line, nothing written', async () => {
    const input = join(tmp, 'small.tsv');
    writeFileSync(input, 'a\tb\nc\td\ne\tf\n');
    const cases: [string[], string][] = [
      [[join(tmp, 'missing.tsv'), '--out', join(tmp, 'x1')], `seq2seq: ${join(tmp, 'missing.tsv')}: no such file`],
      [
        [input, '--out', join(tmp, 'x2'), '--valid', '1', '--test', '2'],
        'seq2seq: validation 1 + test 2 pairs leave nothing to train on (3 distinct pairs): give smaller ' +
          '--valid/--test',
      ],
      [
        [input, '--out', join(tmp, 'x3'), '--valid', '150%'],
        "seq2seq: --valid must be a number of pairs (2000), a percentage (5%) or a fraction below 1 (0.05), got '150%'",
      ],
      [[input, '--out', join(tmp, 'x4'), '--max-ratio', 'big'], "seq2seq: --max-ratio must be a number ≥ 0, got 'big'"],
      [[input, '--out', join(tmp, 'x5'), '--src', 'en', '--tgt', 'en'], "seq2seq: --src and --tgt are both 'en'"],
    ];
    for (const [args, line] of cases) {
      const r = await prepare(args);
      expect(r.code).toBe(2);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('seq2seq:')),
      ).toEqual([line]);
      expect(existsSync(args[args.indexOf('--out') + 1])).toBe(false);
    }
    mkdirSync(join(tmp, 'taken'));
    const taken = await prepare([input, '--out', join(tmp, 'taken'), '--valid', '0', '--test', '0']);
    expect(taken.code).toBe(2);
    expect(taken.stderr.trim()).toBe(`seq2seq: ${join(tmp, 'taken')}: already exists (give --force to replace it)`);
  });

  const fra = join(REPO, '..', 'shared', 'corpora', 'tatoeba-eng-fra', 'fra.txt');
  const has = existsSync(fra);
  it.skipIf(!has)(
    `reproduces the Tatoeba recipe's split of fra.txt from seed 1, byte for ` +
      `byte${has ? '' : ' (skipped: ../shared/corpora/tatoeba-eng-fra/fra.txt is absent)'}`,
    async () => {
      const out = join(tmp, 'tatoeba-eng-fra');
      const r = await prepare([fra, '--src', 'en', '--tgt', 'fr', '--out', out, '--seed', '1']);
      expect(r.code).toBe(0);
      // sha256 of the files scripts/prepare-tatoeba.mjs wrote (its split.json, seed 1, valid 2000, test 5000).
      const recipe: Record<string, [number, string]> = {
        'train.en': [135652, 'f5647e276640d831b1e020d9067f742c2b9c210a4a02fd2145f6c0d6c8e6925d'],
        'train.fr': [135652, 'd76ae2c97e20b777ac49e042774c712dc92e8fb5f77eeb735254101ca91f4ab8'],
        'val.en': [2000, 'fede06c575f63f9b682829ae24f7c7dae5187602e2db2eb4a7484fc88fbb70bd'],
        'val.fr': [2000, 'ccebce51fdb550f702fb1659dc92d5063dbaaf4a4af7728a3abacfd0babccee9'],
        'test.en': [5000, 'da7ac94ca7f967ebd09d823aa62b14c2f85bbaeadf1ba2ff087841a3236e03fd'],
        'test.fr': [5000, '6172d001bbd8b3f3d318334e80c09a620ac6da7a8727dc49c212df37b808dc95'],
      };
      const report = JSON.parse(readFileSync(join(out, 'prepare.json'), 'utf8')) as PrepareReport;
      for (const [f, [n, sha]] of Object.entries(recipe)) {
        expect(
          createHash('sha256')
            .update(readFileSync(join(out, f)))
            .digest('hex'),
        ).toBe(sha);
        expect(report.files[f]).toEqual({ lines: n, sha256: sha });
      }
      expect(report.inputs[0].files[0].sha256).toBe('2546838ae46e0eac4c02ab7032ea0a02a006074a5340077a36a9444f41e02888');
      expect(report.read).toBe(142787);
      expect(report.dropped).toEqual({ duplicate: 135, empty: 0, tooLong: 0, ratio: 0 });
      expect(report.groups).toBe(98659);
      expect(r.stderr).toContain(
        'prepare: 142,652 pairs, 98,659 distinct source sentences → train 135,652, val 2,000, test 5,000 (seed 1)',
      );
    },
  );
});
