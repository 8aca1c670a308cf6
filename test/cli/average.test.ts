/**
 * `train --keep-checkpoints N` and `seq2seq average` through the real CLI (bin/seq2seq.js → dist/;
 * `npm run build` first): a tiny run on a cut of the demo corpus keeps exactly the N newest
 * validations (also across a stop and --resume, and across kills at crash points inside checkpoint
 * writes, byte for byte as an uninterrupted run), the average
 * is written to RUN/averaged and translates, evaluates and shows in inspect; --best N picks the N
 * highest validation BLEU of the run's history.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyEvalArgs, runCli } from '../helpers/run-cli.js';
import { tinyTrainArgs } from '../helpers/tiny-train.js';
import { tinyCorpus } from '../train/fixtures.js';

const c = tinyCorpus(300, 20);
afterAll(() => rmSync(c.dir, { recursive: true, force: true }));

const train = (
  out: string,
  extra: string[],
  env?: Record<string, string>,
): Promise<Awaited<ReturnType<typeof runCli>>> =>
  runCli(
    tinyTrainArgs(c, out, { embeddingSize: 16, hiddenSize: 24, vocabSize: 200, batchTokens: 400, evalEvery: 5 }, [
      '--lr',
      '0.01',
      '--keep-checkpoints',
      '3',
      '--samples',
      '0',
      '--log-format',
      'plain',
      ...extra,
    ]),
    { env },
  );

const run = join(c.dir, 'run');
const kept = (dir: string): string[] => readdirSync(join(dir, 'checkpoints')).sort();

beforeAll(async () => {
  const r = await train(run, ['--max-steps', '40']);
  if (r.code !== 0) throw new Error(`training failed (exit ${r.code}): ${r.stderr}`);
}, 60_000);

describe('train --keep-checkpoints', () => {
  it('keeps exactly the 3 newest validations, each with its validation scores', () => {
    expect(kept(run)).toEqual(['step-00000030', 'step-00000035', 'step-00000040']);
    const evals = readFileSync(join(run, 'history.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"eval"'))
      .map((l) => JSON.parse(l) as { step: number; bleu: number; chrf: number });
    for (const name of kept(run)) {
      const doc = JSON.parse(readFileSync(join(run, 'checkpoints', name, 'config.json'), 'utf8')) as {
        step: number;
        validation: { bleu: number; chrf: number };
      };
      const e = evals.find((x) => x.step === doc.step)!;
      expect(doc.validation.bleu).toBe(e.bleu);
      expect(doc.validation.chrf).toBe(e.chrf);
    }
  });

  it('a run stopped at step 20 and resumed to 40 keeps the same checkpoints, byte for byte', async () => {
    const split = join(c.dir, 'split');
    expect((await train(split, ['--max-steps', '20'])).code).toBe(0);
    expect(kept(split)).toEqual(['step-00000010', 'step-00000015', 'step-00000020']);
    const r = await runCli(['train', '--resume', split, '--max-steps', '40', '--log-format', 'plain']);
    expect(r.code, r.stderr).toBe(0);
    expect(kept(split)).toEqual(kept(run));
    for (const name of kept(run))
      expect(
        readFileSync(join(split, 'checkpoints', name, 'model.safetensors')).equals(
          readFileSync(join(run, 'checkpoints', name, 'model.safetensors')),
        ),
      ).toBe(true);
  });

  // A kill at a crash point (src/util/crash-point.ts) inside a checkpoint write or a pruning, then
  // --resume: the same kept checkpoints as the run that was never killed, and no temporaries.
  for (const at of ['checkpoint.written:5', 'checkpoint.discard:1', 'atomic-write.partial:12']) {
    it(`killed at ${at}, then resumed: the same kept checkpoints, byte for byte, no temporaries`, async () => {
      const dir = join(c.dir, `kill-${at.replace(/[.:]/g, '-')}`);
      const k = await train(dir, ['--max-steps', '40'], { SEQ2SEQ_TEST_CRASH_AT: at });
      expect(k.code).toBe(128); // SIGKILL
      if (at === 'checkpoint.discard:1')
        expect(readdirSync(join(dir, 'checkpoints')).filter((n) => /^\.step-\d+\.tmp-\d+-del$/.test(n))).toHaveLength(
          1,
        ); // killed while pruning
      const r = await runCli(['train', '--resume', dir, '--max-steps', '40', '--log-format', 'plain']);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(kept(run));
      for (const name of kept(run))
        expect(
          readFileSync(join(dir, 'checkpoints', name, 'model.safetensors')).equals(
            readFileSync(join(run, 'checkpoints', name, 'model.safetensors')),
          ),
        ).toBe(true);
      expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    });
  }
});

describe('seq2seq average', () => {
  it('averages the last 3 into RUN/averaged, which translate, eval and inspect load', async () => {
    const a = await runCli(['average', run]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toBe('');
    expect(a.stdout).toBe(`averaged the last 3 kept checkpoints (steps 30, 35, 40) → ${join(run, 'averaged')}\n`);
    const t = await runCli(['translate', '--model', join(run, 'averaged'), '--beam', '2'], {
      input: 'The dog runs.\nWhy are you funny every morning?\n',
    });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout.split('\n')).toHaveLength(3); // one line per input line
    const e = await runCli(greedyEvalArgs(join(run, 'averaged'), c.valid));
    expect(e.code, e.stderr).toBe(0);
    expect((JSON.parse(e.stdout) as { pairs: number }).pairs).toBe(20);
    const i = await runCli(['inspect', run]);
    expect(i.stdout).toMatch(
      /^checkpoints best: step \d+, last: step 40, kept: steps 30, 35, 40, averaged: steps 30, 35, 40$/m,
    );
    // a kept checkpoint itself loads too
    const k = await runCli(['translate', '--model', join(run, 'checkpoints', 'step-00000035'), '--beam', '1'], {
      input: 'The dog runs.\n',
    });
    expect(k.code, k.stderr).toBe(0);
  });

  it('--best 2 picks the two highest validation BLEU of the history (ties: the newer)', async () => {
    const evals = readFileSync(join(run, 'history.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"eval"'))
      .map((l) => JSON.parse(l) as { step: number; bleu: number });
    const want = evals
      .filter((e) => e.step >= 30)
      .sort((x, y) => y.bleu - x.bleu || y.step - x.step)
      .slice(0, 2)
      .map((e) => e.step)
      .sort((x, y) => x - y);
    const out = join(run, 'avg-best2');
    const a = await runCli(['average', run, '--best', '2', '--out', out]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(
      `averaged the 2 best by validation BLEU kept checkpoints (steps ${want.join(', ')}) → ${out}\n`,
    );
  });
});
