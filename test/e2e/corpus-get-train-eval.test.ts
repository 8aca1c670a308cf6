/**
 * The newcomer's road end to end, against a local HTTP server standing in for GitHub: `seq2seq
 * corpus get multi30k`, then the `train --preset multi30k` command it prints (with tiny sizes and
 * a few steps appended, so it takes seconds), then `eval` on the test split it wrote. The BLEU that
 * eval reports is checked against `seq2seq score` of the hypotheses it wrote and the reference file
 * that `corpus get` unpacked.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greedyEvalArgs, runCli } from '../helpers/run-cli.js';
import { CorpusServer } from '../data/fixtures/corpus-server.js';
import { multi30kFixture, serveMulti30k } from '../data/fixtures/corpora.js';
import { cliEnv } from '../data/fixtures/get-env.js';

let tmp: string;
let server: CorpusServer;
const fx = multi30kFixture();

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'seq2seq-road-'));
  server = await new CorpusServer().start();
  serveMulti30k(server, fx);
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('corpus get → train --preset multi30k → eval', () => {
  it('runs the README road on what corpus get wrote', async () => {
    const cli = (args: string[]) => runCli(args, { cwd: tmp, env: cliEnv(tmp, server.url), timeoutMs: 120_000 });
    const got = await cli(['corpus', 'get', 'multi30k']);
    expect(got.code).toBe(0);
    const next = /^next: seq2seq (.*)$/m.exec(got.stdout)?.[1];
    expect(next).toBe(
      'train --preset multi30k --train corpora/multi30k/train --valid corpora/multi30k/val --src en --tgt de --out ' +
        'runs/multi30k-en-de',
    );
    const tiny = [
      '--embedding-size',
      '32',
      '--hidden-size',
      '32',
      '--vocab-size',
      '300',
      '--batch-tokens',
      '600',
      '--max-steps',
      '12',
      '--eval-every',
      '6',
      '--eval-max-sentences',
      '20',
      '--time-budget',
      '90s',
    ];
    const trained = await cli([...next!.split(' '), ...tiny]);
    expect(trained.stderr).not.toMatch(/^seq2seq: /m);
    expect(trained.code).toBe(0);
    const config = JSON.parse(readFileSync(join(tmp, 'runs', 'multi30k-en-de', 'config.json'), 'utf8')) as {
      model: { tiedTargetEmbeddings: boolean; hiddenSize: number };
    };
    // The preset, with the overrides.
    expect(config.model).toMatchObject({ tiedTargetEmbeddings: true, hiddenSize: 32 });
    const hyp = join(tmp, 'hyp.de');
    const ev = await cli(
      greedyEvalArgs('runs/multi30k-en-de', 'corpora/multi30k/test_2016_flickr', ['--hyp-out', hyp]),
    );
    expect(ev.code).toBe(0);
    type Metric = { name: string; score: number };
    const scores = JSON.parse(ev.stdout) as { pairs: number; metrics: Metric[] };
    expect(scores.pairs).toBe(30);
    expect(readFileSync(hyp, 'utf8').split('\n').slice(0, -1)).toHaveLength(30);
    const sc = await cli(['score', '--hyp', hyp, '--ref', 'corpora/multi30k/test_2016_flickr.de', '--format', 'json']);
    expect(sc.code).toBe(0);
    const scored = JSON.parse(sc.stdout) as Metric[];
    for (const name of ['BLEU', 'chrF2']) {
      const a = scores.metrics.find((m) => m.name === name);
      expect(a).toBeDefined();
      expect(scored.find((m) => m.name === name)?.score).toBeCloseTo(a!.score, 10);
    }
  });
});
