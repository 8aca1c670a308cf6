/** `seq2seq eval` and `seq2seq score --model` through the real CLI on a tiny random run (run `npm run build` first). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusBleu } from '../../src/eval/bleu.js';
import { corpusChrf } from '../../src/eval/chrf.js';
import { forcedDecode, perplexity } from '../../src/eval/model-scores.js';
import { loadDecodingRun } from '../../src/decode/run-loader.js';
import { runCli } from '../helpers/run-cli.js';
import { TINY_SRC, TINY_TGT, makeTinyRun } from '../decode/tiny-run.js';

const dir = mkdtempSync(join(tmpdir(), 'seq2seq-eval-'));
const run = join(dir, 'run');
const test = join(dir, 'test.tsv');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await makeTinyRun(run);
  writeFileSync(test, TINY_SRC.map((s, i) => `${s}\t${TINY_TGT[i]}\n`).join(''));
});

describe('seq2seq eval', () => {
  it('reports BLEU/chrF of its own translations, perplexity and speed, consistent with the library', async () => {
    const hypOut = join(dir, 'hyps.txt');
    const r = await runCli([
      'eval',
      '--model',
      run,
      '--test',
      test,
      '--beam',
      '2',
      '--format',
      'json',
      '--hyp-out',
      hypOut,
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      pairs: number;
      metrics: { name: string; score: number; signature: string }[];
      perplexity: { perplexity: number; tokens: number };
      decoding: { sentences: number; sentencesPerSecond: number };
    };
    expect(j.pairs).toBe(TINY_SRC.length);
    const hyps = readFileSync(hypOut, 'utf8').split('\n').slice(0, -1);
    expect(hyps).toHaveLength(TINY_SRC.length);
    expect(j.metrics[0].name).toBe('BLEU');
    expect(j.metrics[0].score).toBe(corpusBleu(hyps, [TINY_TGT]).score);
    expect(j.metrics[1].score).toBe(corpusChrf(hyps, [TINY_TGT]).score);
    expect(j.metrics[0].signature).toBe('nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:seq2seq-0.1.0');
    const loaded = await loadDecodingRun(run);
    const ppl = perplexity(
      loaded.model,
      TINY_SRC.map((s) => loaded.srcTokenizer.encode(s)),
      TINY_TGT.map((t) => loaded.tgtTokenizer.encode(t)),
    );
    expect(j.perplexity.perplexity).toBeCloseTo(ppl.perplexity, 6);
    expect(j.perplexity.tokens).toBe(ppl.tokens);
    expect(j.decoding.sentences).toBe(TINY_SRC.length);
    expect(j.decoding.sentencesPerSecond).toBeGreaterThan(0);
  });

  it('scores exactly what translate prints with the same decoding flags (length limit, penalty, <unk>)', async () => {
    const flags = ['--beam', '3', '--length-penalty', '1.5', '--max-length-ratio', '0', '--max-length-constant', '2'];
    const hypOut = join(dir, 'hyps-flags.txt');
    const e = await runCli(['eval', '--model', run, '--test', test, ...flags, '--replace-unk', '--hyp-out', hypOut]);
    expect(e.code, e.stderr).toBe(0);
    const input = TINY_SRC.join('\n') + '\n';
    const t = await runCli(['translate', '--model', run, ...flags, '--replace-unk'], { input });
    expect(t.code, t.stderr).toBe(0);
    const hyps = readFileSync(hypOut, 'utf8');
    expect(hyps).toBe(t.stdout);
    // the limit of 0 × source + 2 tokens holds: at most 2 target tokens, so at most 2 words
    const words = hyps
      .split('\n')
      .slice(0, -1)
      .map((h) => h.split(' ').filter((w) => w !== '').length);
    expect(Math.max(...words)).toBeLessThanOrEqual(2);
    expect(Math.max(...words)).toBeGreaterThan(0);
  });

  it('text output: score lines, signatures, perplexity and decoding lines', async () => {
    const r = await runCli(['eval', '--model', run, '--test', test, '--beam', '1']);
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(
      /^BLEU = \d+\.\d\d [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ \(BP = [\d.]+ ratio = [\d.]+ hyp_len = \d+ ref_len = \d+\)$/,
    );
    expect(out[1]).toMatch(/^BLEU\|nrefs:1\|/);
    expect(out[2]).toMatch(/^chrF2 = \d+\.\d\d$/);
    expect(out[4]).toMatch(/^perplexity = [\d.]+ /);
    expect(out[5]).toMatch(/^decoding: greedy, 5 sentences in /);
  });
});

describe('seq2seq score --model --test (forced decoding)', () => {
  it('one log-probability per pair, equal to the library forced decoding', async () => {
    const r = await runCli(['score', '--model', run, '--test', test, '--format', 'jsonl', '--batch-size', '2']);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; src: string; tgt: string; logprob: number; tokens: number });
    expect(rows.map((x) => x.line)).toEqual([1, 2, 3, 4, 5]);
    const loaded = await loadDecodingRun(run);
    const expected = forcedDecode(
      loaded.model,
      TINY_SRC.map((s) => loaded.srcTokenizer.encode(s)),
      TINY_TGT.map((t) => loaded.tgtTokenizer.encode(t)),
    );
    rows.forEach((x, i) => {
      expect(x.src).toBe(TINY_SRC[i]);
      expect(x.logprob).toBeCloseTo(expected[i].logProb, 4);
      expect(x.tokens).toBe(expected[i].tokens);
    });
    const bare = await runCli(['score', '--model', run, '--test', test, '-b']);
    expect(bare.stdout.trim().split('\n').map(Number)).toEqual(rows.map((x) => Number(x.logprob.toFixed(4))));
    // the default text labels each figure, so that it cannot be taken for a BLEU score
    const text = await runCli(['score', '--model', run, '--test', test]);
    expect(text.stdout.trim().split('\n')).toEqual(
      rows.map((x) => {
        const ppl = Math.exp(-x.logprob / x.tokens).toFixed(2);
        return `logprob = ${x.logprob.toFixed(4)} (tokens = ${x.tokens} ppl = ${ppl})`;
      }),
    );
  });

  it('--model with --hyp or a reference, or with --width, is a usage error', async () => {
    const r = await runCli(['score', '--model', run, '--test', test, '--hyp', test]);
    expect(r.code).toBe(2);
    const ref = await runCli(['score', test, '--model', run, '--test', test]);
    expect(ref.code).toBe(2);
    expect(ref.stderr).toBe('seq2seq: give either --hyp/--ref or --model/--test, not both\n');
    const w = await runCli(['score', '--model', run, '--test', test, '-w', '2']);
    expect(w.code).toBe(2);
    expect(w.stderr).toBe('seq2seq: --width applies to BLEU/chrF scores, not to --model\n');
  });
});
