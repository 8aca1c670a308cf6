/** `seq2seq translate|eval --model A --model B` (an ensemble) through the real CLI on tiny random runs (run the build first). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDecodingModels, loadDecodingRun } from '../../src/decode/run-loader.js';
import { Translator } from '../../src/decode/translator.js';
import { forcedPerplexity } from '../../src/eval/model-scores.js';
import { EnsembleModel } from '../../src/model/ensemble.js';
import { runCli } from '../helpers/run-cli.js';
import { TINY_SRC, TINY_TGT, makeTinyRun } from './tiny-run.js';

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-ensemble-'));
const runA = join(dir, 'a');
const runB = join(dir, 'b');
const runOther = join(dir, 'other');
const test = join(dir, 'test.tsv');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await makeTinyRun(runA, { seed: 7, maxSourceLength: 100 });
  await makeTinyRun(runB, { seed: 8, maxSourceLength: 12 });
  await makeTinyRun(runOther, { seed: 9, vocabSize: 40 });
  writeFileSync(test, TINY_SRC.map((s, i) => `${s}\t${TINY_TGT[i]}\n`).join(''));
});

const longLine = Array.from({ length: 30 }, (_, i) => ['the', 'cat', 'dog', 'park'][i % 4]).join(' ');
const lines = ['the cat sits on the mat', 'a dog runs', '', longLine, 'the man reads'];

describe('ensembles on the command line', () => {
  it('translate --model A --model B: the ensemble’s translations (as the library gives them), the smaller source limit', async () => {
    // the same tokenizers, different weights
    expect(readFileSync(join(runA, 'tokenizer.src.json')).equals(readFileSync(join(runB, 'tokenizer.src.json')))).toBe(
      true,
    );
    const r = await runCli(['translate', '--model', runA, '--model', join(runB, 'best'), '--beam', '3'], {
      input: lines.join('\n') + '\n',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^seq2seq: warning: <stdin>:4: source of \d+ tokens cropped to the model's limit of 12$/m);
    const out = r.stdout.split('\n');
    expect(out).toHaveLength(lines.length + 1);
    const a = await loadDecodingRun(runA);
    const b = await loadDecodingRun(runB);
    const ens = new Translator(new EnsembleModel([a.model, b.model]), a.srcTokenizer, a.tgtTokenizer, {
      beam: 3,
      maxSourceLength: 12,
    });
    expect(out.slice(0, lines.length)).toEqual(ens.translate(lines).map((t) => t.hyps[0].text));
    const loaded = await loadDecodingModels([runA, join(runB, 'best')]);
    expect(loaded.maxSourceLength).toBe(12);
    expect(loaded.members).toEqual([runA, runB]);
  });

  it('eval with two models: scores of the ensemble, its perplexity by forced decoding', async () => {
    const r = await runCli([
      'eval',
      '--model',
      runA,
      '--model',
      runB,
      '--test',
      test,
      '--beam',
      '2',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      ensemble: string[];
      pairs: number;
      perplexity: { perplexity: number; tokens: number };
    };
    expect(j.ensemble).toEqual([runA, runB]);
    expect(j.pairs).toBe(TINY_SRC.length);
    const loaded = await loadDecodingModels([runA, runB]);
    // eval crops the sources to the smaller limit (12, run b's)
    const ppl = forcedPerplexity(
      loaded.model,
      TINY_SRC.map((s) => loaded.srcTokenizer.encode(s).slice(0, 12)),
      TINY_TGT.map((t) => loaded.tgtTokenizer.encode(t)),
    );
    expect(j.perplexity.perplexity).toBeCloseTo(ppl.perplexity, 6);
    expect(j.perplexity.tokens).toBe(ppl.tokens);
    const text = await runCli(['eval', '--model', runA, '--model', runB, '--test', test, '--beam', '1']);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(`ensemble of 2 models: ${runA}, ${runB}`);
  });

  it('different tokenizers: one line naming both directories, exit 2, no stack trace', async () => {
    expect(
      readFileSync(join(runA, 'tokenizer.src.json')).equals(readFileSync(join(runOther, 'tokenizer.src.json'))),
    ).toBe(false);
    const r = await runCli(['translate', '--model', runA, '--model', runOther], { input: 'the cat\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `seq2seq: ${runOther}: its source tokenizer differs from the one of ${runA} (an ensemble needs identical tokenizers)\n`,
    );
    const e = await runCli(['eval', '--model', runOther, '--model', runA, '--test', test]);
    expect(e.code).toBe(2);
    expect(e.stderr).toBe(
      `seq2seq: ${runA}: its source tokenizer differs from the one of ${runOther} (an ensemble needs identical tokenizers)\n`,
    );
  });
});
