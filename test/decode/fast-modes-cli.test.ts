/**
 * The fast modes on the command line (run `npm run build` first): `seq2seq shortlist` writes RUN/shortlist.json,
 * `translate --shortlist --precision int8` decodes with it (the same text as the library with those options), and
 * bad use is one line with exit 2 — an unknown precision, a run without a shortlist.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecodingRun } from '../../src/decode/run-loader.js';
import { Translator } from '../../src/decode/translator.js';
import { runCli } from '../helpers/run-cli.js';
import { TINY_SRC, TINY_TGT, makeTinyRun } from './tiny-run.js';

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-fast-modes-'));
const run = join(dir, 'run');
const bare = join(dir, 'bare');
const corpus = join(dir, 'train.tsv');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await makeTinyRun(run);
  await makeTinyRun(bare);
  writeFileSync(corpus, TINY_SRC.map((s, i) => `${s}\t${TINY_TGT[i]}\n`).join(''));
});

const lines = ['the cat sits on the mat', 'a dog runs in the park', 'the man'];

describe('fast decoding modes (CLI)', () => {
  it('seq2seq shortlist writes RUN/shortlist.json; translate --shortlist --precision int8 uses it', async () => {
    const made = await runCli(['shortlist', '--model', run, '--train', corpus, '--per-source', '5', '--frequent', '3']);
    expect(made.code, made.stderr).toBe(0);
    const file = join(run, 'shortlist.json');
    expect(made.stdout).toBe(`shortlist of 5 pairs (5 targets per source token, the 3 most frequent) → ${file}\n`);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { format: string; frequent: number[] };
    expect(json.format).toBe('seq2seq-shortlist');
    expect(json.frequent).toHaveLength(3);

    const r = await runCli(['translate', '--model', run, '--shortlist', '--precision', 'int8', '--beam', '3'], {
      input: lines.join('\n') + '\n',
    });
    expect(r.code, r.stderr).toBe(0);
    const loaded = await loadDecodingRun(run, { shortlist: true, precision: 'int8' });
    const tr = new Translator(loaded.model, loaded.srcTokenizer, loaded.tgtTokenizer, { beam: 3 });
    expect(r.stdout).toBe(
      tr
        .translate(lines)
        .map((t) => t.hyps[0].text + '\n')
        .join(''),
    );
  });

  it('an unknown --precision, or --shortlist on a run without one: one line, exit 2', async () => {
    const p = await runCli(['translate', '--model', run, '--precision', 'fp16'], { input: 'the cat\n' });
    expect(p.code).toBe(2);
    expect(p.stderr).toBe("seq2seq: --precision must be one of fp32, bf16, int8, got 'fp16'\n");
    const s = await runCli(['eval', '--model', bare, '--test', corpus, '--shortlist'], { input: '' });
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^seq2seq: .*bare\/shortlist\.json: no shortlist in this run \(make one: seq2seq/);
    expect(s.stderr.split('\n')).toHaveLength(2);
    expect(existsSync(join(bare, 'shortlist.json'))).toBe(false);
  });
});
