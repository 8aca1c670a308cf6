/**
 * `seq2seq bpe learn|apply|decode` through the real binary (run `npm run build` first):
 * learning from aligned corpora (each side, both) and plain text, apply → decode round trips in
 * pieces and ids, and one-line errors with exit code 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { Tokenizer } from '../../src/text/tokenizer.js';

let dir: string;
const EN = [
  'A man in an orange hat.',
  'Two young men are outside.',
  'A little girl climbing into a playhouse.',
  'A man in a blue shirt.',
];
const DE = [
  'Ein Mann mit einem orangefarbenen Hut.',
  'Zwei junge Männer sind im Freien.',
  'Ein kleines Mädchen klettert in ein Spielhaus.',
  'Ein Mann in einem blauen Hemd.',
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bpe-cli-'));
  writeFileSync(join(dir, 'train.en'), EN.join('\n') + '\n');
  writeFileSync(join(dir, 'train.de'), DE.join('\n') + '\n');
  writeFileSync(join(dir, 'notes.txt'), 'ßßß ÿÿÿ\nÿÿÿ ßßß\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const learn = (args: string[]) => runCli(['bpe', 'learn', '--min-frequency', '1', ...args]);

describe('seq2seq bpe', () => {
  it('learn --side src uses only the source side, --side both a joint vocabulary', async () => {
    const src = join(dir, 'src.json');
    const both = join(dir, 'both.json');
    const r1 = await learn([
      '--vocab-size',
      '60',
      '--side',
      'src',
      join(dir, 'train'),
      '--src',
      'en',
      '--tgt',
      'de',
      '-o',
      src,
    ]);
    expect(r1.code).toBe(0);
    expect(r1.stderr).toMatch(/^learned 60 tokens \(\d+ merges\) from 4 sentences/);
    const r2 = await learn(['--vocab-size', '80', join(dir, 'train.en'), join(dir, 'train.de'), '-o', both]);
    expect(r2.code).toBe(0);
    expect(r2.stderr).toMatch(/from 8 sentences/);
    const s = Tokenizer.load(src);
    const b = Tokenizer.load(both);
    expect(s.tokenToId('ä')).toBeUndefined(); // German only
    expect(b.tokenToId('ä')).toBeDefined();
    expect(b.vocabSize).toBe(80);
  });

  it('learn --text reads plain files line by line', async () => {
    const out = join(dir, 'text.json');
    const r = await learn(['--vocab-size', '20', '--text', join(dir, 'notes.txt'), '-o', out]);
    expect(r.code).toBe(0);
    const t = Tokenizer.load(out);
    expect(t.tokenize('ßßß ÿÿÿ')).toEqual(['▁ßßß', '▁ÿÿÿ']);
  });

  it('apply → decode gives the text back, as pieces and as ids, one line out per line in', async () => {
    const tok = join(dir, 'rt.json');
    expect((await learn(['--vocab-size', '100', join(dir, 'train.en'), join(dir, 'train.de'), '-o', tok])).code).toBe(
      0,
    );
    const input = ['A man in an orange hat.', '', '  Zwei  Männer ', 'Ein Mann.'].join('\n') + '\n';
    const pieces = await runCli(['bpe', 'apply', '-t', tok], { input });
    expect(pieces.code).toBe(0);
    const lines = pieces.stdout.split('\n');
    expect(lines.length).toBe(5);
    expect(lines[1]).toBe('');
    expect(lines[0].split(' ').every((p) => p.length > 0)).toBe(true);
    expect(lines[0].startsWith('▁A ▁man')).toBe(true);
    const back = await runCli(['bpe', 'decode', '-t', tok], { input: pieces.stdout });
    expect(back.stdout).toBe(input);
    const ids = await runCli(['bpe', 'apply', '-t', tok, '--ids'], { input });
    const t = Tokenizer.load(tok);
    expect(ids.stdout.split('\n')[0]).toBe(Array.from(t.encode('A man in an orange hat.')).join(' '));
    const back2 = await runCli(['bpe', 'decode', '-t', tok, '--ids'], { input: ids.stdout });
    expect(back2.stdout).toBe(input);
  });

  it('errors are one line with exit code 2', async () => {
    const missing = await runCli(['bpe', 'apply', '-t', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`seq2seq: ${join(dir, 'nope.json')}: no such file\n`);
    const size = await learn([
      '--vocab-size',
      '3',
      join(dir, 'train.en'),
      join(dir, 'train.de'),
      '-o',
      join(dir, 'x.json'),
    ]);
    expect(size.code).toBe(2);
    expect(size.stderr).toBe("seq2seq: --vocab-size must be an integer ≥ 5, got '3'\n");
    const nothing = await learn(['--vocab-size', '30', '-o', join(dir, 'x.json')]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toBe('seq2seq: nothing to learn from: give a corpus or --text FILE…\n');
    const tok = join(dir, 'rt.json');
    const badId = await runCli(['bpe', 'decode', '-t', tok, '--ids'], { input: '4 5\nx\n' });
    expect(badId.code).toBe(2);
    expect(badId.stderr).toMatch(/^seq2seq: <stdin>:2: 'x' is not a token id of .*rt\.json \(0\.\.99\)\n$/);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '[1, 2');
    const bad = await runCli(['bpe', 'apply', '-t', notJson], { input: 'a\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n').length).toBe(2);
    expect(readFileSync(tok, 'utf8')).toContain('"type": "BPE"');
  });

  it('help shows examples', async () => {
    const r = await runCli(['bpe', 'learn', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--vocab-size');
  });
});
