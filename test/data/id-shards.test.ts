/**
 * `seq2seq corpus encode` / src/data/id-shards.ts: the shards hold exactly the ids our tokenizer gives the
 * pairs our corpus reader yields (empty-side pairs skipped alike, corpus order across shard boundaries), the
 * index says so, the output appears whole, and bad usage is one line with exit 2.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPairs, resolveCorpus } from '../../src/data/corpus.js';
import { readIdShard } from '../../src/data/id-shards.js';
import { Tokenizer, learnBpe } from '../../src/text/tokenizer.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'id-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SRC = [
  'the cat sits',
  'a dog runs',
  '',
  'the man reads a book',
  'two children play',
  'a woman walks',
  'ein',
  'the end',
];
const TGT = [
  'die katze sitzt',
  'ein hund rennt',
  'leer',
  'der mann liest ein buch',
  '',
  'eine frau geht',
  'x',
  'das ende',
];

beforeAll(async () => {
  writeFileSync(join(dir, 'c.en'), SRC.join('\n') + '\n');
  writeFileSync(join(dir, 'c.de'), TGT.join('\n') + '\n');
  writeFileSync(join(dir, 'v.tsv'), 'hello world\thallo welt\ngood night\tgute nacht\n');
  (await learnBpe([...SRC, ...TGT], { vocabSize: 60, minFrequency: 1 })).save(join(dir, 'src.json'));
  (await learnBpe(TGT, { vocabSize: 50, minFrequency: 1 })).save(join(dir, 'tgt.json'));
});

describe('seq2seq corpus encode', () => {
  it('writes the ids of every kept pair, in corpus order, across shards; the index counts them', async () => {
    const out = join(dir, 'ids');
    const r = await runCli([
      'corpus',
      'encode',
      join(dir, 'c'),
      '--src',
      'en',
      '--tgt',
      'de',
      '--valid',
      join(dir, 'v.tsv'),
      '--src-tokenizer',
      join(dir, 'src.json'),
      '--tgt-tokenizer',
      join(dir, 'tgt.json'),
      '--shard-pairs',
      '4',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('train 6 pairs');
    expect(r.stdout).toContain('2 pairs with an empty side skipped');
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(index).toMatchObject({
      format: 'seq2seq-ids',
      version: 1,
      tokenizers: { src: 'tokenizer.src.json', tgt: 'tokenizer.tgt.json' },
    });
    expect(index.splits.train.shards).toEqual([
      { file: 'train-00000.safetensors', pairs: 4 },
      { file: 'train-00001.safetensors', pairs: 2 },
    ]);
    expect(index.splits.train.corpus).toEqual({ paths: [join(dir, 'c')], src: 'en', tgt: 'de', format: null });
    expect(readFileSync(join(out, 'tokenizer.src.json'))).toEqual(readFileSync(join(dir, 'src.json')));
    const src = Tokenizer.load(join(dir, 'src.json'));
    const tgt = Tokenizer.load(join(dir, 'tgt.json'));
    expect(index.vocab).toEqual({ src: src.vocabSize, tgt: tgt.vocabSize });
    for (const [split, corpus] of [
      ['train', resolveCorpus([join(dir, 'c')], { src: 'en', tgt: 'de' })],
      ['valid', resolveCorpus([join(dir, 'v.tsv')])],
    ] as const) {
      const { pairs } = await loadPairs(corpus);
      const got = index.splits[split].shards.flatMap((s: { file: string }) => {
        const sh = readIdShard(join(out, s.file));
        return sh.src.map((x, i) => ({ src: Array.from(x), tgt: Array.from(sh.tgt[i]) }));
      });
      expect(got).toEqual(
        pairs.map((p) => ({ src: Array.from(src.encode(p.src)), tgt: Array.from(tgt.encode(p.tgt)) })),
      );
      const tokens = got.reduce((a: number, p: { src: number[] }) => a + p.src.length, 0);
      expect(index.splits[split].srcTokens).toBe(tokens);
    }
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it("--model RUN encodes with the run's tokenizer files (copied byte for byte)", async () => {
    const { makeTinyRun } = await import('../decode/tiny-run.js');
    const run = await makeTinyRun(join(dir, 'run'));
    const r = await runCli(['corpus', 'encode', join(dir, 'v.tsv'), '--model', run, '-o', join(dir, 'ids-run')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'ids-run', 'tokenizer.tgt.json'))).toEqual(
      readFileSync(join(run, 'tokenizer.tgt.json')),
    );
  });

  it('bad usage and bad input: one line, exit 2, nothing written', async () => {
    const tk = ['--tokenizer', join(dir, 'src.json')];
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full', 'x'), 'keep me');
    writeFileSync(join(dir, 'bad.tsv'), 'one\tein\nno tab here\n');
    const cases: [string[], RegExp][] = [
      [[join(dir, 'v.tsv'), '-o', join(dir, 'o1')], /exactly one of --model RUN, --tokenizer FILE/],
      [[join(dir, 'v.tsv'), ...tk, '--model', join(dir, 'run'), '-o', join(dir, 'o2')], /exactly one of/],
      [
        [join(dir, 'v.tsv'), '--src-tokenizer', join(dir, 'src.json'), '-o', join(dir, 'o3')],
        /--src-tokenizer and --tgt-tokenizer go together/,
      ],
      [[join(dir, 'v.tsv'), ...tk, '-o', join(dir, 'full')], /full: directory is not empty/],
      [[join(dir, 'bad.tsv'), ...tk, '-o', join(dir, 'o4')], /bad\.tsv:2: no tab/],
      [
        [join(dir, 'v.tsv'), ...tk, '--shard-pairs', '0', '-o', join(dir, 'o5')],
        /--shard-pairs must be an integer ≥ 1/,
      ],
      [[join(dir, 'v.tsv'), '--tokenizer', join(dir, 'missing.json'), '-o', join(dir, 'o6')], /missing\.json/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['corpus', 'encode', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    for (const o of ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']) expect(existsSync(join(dir, o)), o).toBe(false);
    expect(readdirSync(join(dir, 'full'))).toEqual(['x']);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
