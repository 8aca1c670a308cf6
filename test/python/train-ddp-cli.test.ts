/**
 * train_ddp.py as one process (no torchrun variables): an LSTM with Luong attention, input feeding and every
 * dropout kind, trained with SGD + momentum and the inverse-sqrt schedule, written as a run that
 * `seq2seq train --resume` continues (the SGD velocity and the schedule come back); and bad usage: one line,
 * exit 2, nothing written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCorpus } from '../../src/data/corpus.js';
import { encodeToIdShards } from '../../src/data/id-shards.js';
import { learnBpe } from '../../src/text/tokenizer.js';
import { TINY_SRC, TINY_TGT } from '../decode/tiny-run.js';
import { TRAIN_DDP, cli, history } from './ddp-setup.js';
import { runPython, torchMissing } from './twin.js';

const missing = await torchMissing();
const work = mkdtempSync(join(tmpdir(), 'twin-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const TRAIN = [TRAIN_DDP];

describe.skipIf(missing !== null)('train_ddp.py in one process', () => {
  beforeAll(async () => {
    const src = Array.from({ length: 120 }, (_, i) => `${TINY_SRC[i % 5]} ${TINY_SRC[(i * 3) % 5]}`);
    const tgt = Array.from({ length: 120 }, (_, i) => `${TINY_TGT[i % 5]} ${TINY_TGT[(i * 3) % 5]}`);
    writeFileSync(join(work, 'c.tsv'), src.map((s, i) => `${s}\t${tgt[i]}`).join('\n') + '\n');
    const tok = await learnBpe([...src, ...tgt], { vocabSize: 80, minFrequency: 1 });
    tok.save(join(work, 'tok.json'));
    const spec = resolveCorpus([join(work, 'c.tsv')]);
    const naming = { paths: [join(work, 'c.tsv')], src: null, tgt: null, format: null };
    await encodeToIdShards({
      out: join(work, 'ids'),
      splits: [
        { name: 'train', spec, naming },
        { name: 'valid', spec, naming },
      ],
      src: tok,
      tgt: tok,
      tokenizerFiles: { src: join(work, 'tok.json'), tgt: join(work, 'tok.json') },
    });
  });

  it('trains (SGD, inverse-sqrt, LSTM, Luong, input feeding, dropouts); seq2seq train --resume goes on', async () => {
    const run = join(work, 'run');
    const flags = ['--cell', 'lstm', '--attention', 'luong-general', '--input-feeding', '--embedding-size', '8'];
    flags.push('--hidden-size', '16', '--dropout', '0.1', '--word-dropout', '0.1', '--memory-dropout', '0.1');
    flags.push('--label-smoothing', '0.1', '--optimizer', 'sgd', '--momentum', '0.9', '--lr', '0.5');
    flags.push('--schedule', 'inverse-sqrt', '--warmup-steps', '2', '--batch-tokens', '200', '--max-steps', '6');
    const r = await runPython(
      [...TRAIN, '--ids', 'ids', '--out', run, '--eval-every', '3', '--threads', '1', ...flags],
      {
        cwd: work,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 process(es) on cpu');
    const cfg = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(cfg.model).toMatchObject({ cell: 'lstm', attention: 'luong-general', inputFeeding: true, wordDropout: 0.1 });
    expect(cfg.training).toMatchObject({ optimizer: 'sgd', schedule: 'inverse-sqrt', train: [join(work, 'c.tsv')] });
    const state = JSON.parse(readFileSync(join(run, 'last', 'train-state', 'state.json'), 'utf8'));
    expect(state).toMatchObject({ step: 6, optimizer: { kind: 'sgd', t: 6 }, schedule: { kind: 'inverse-sqrt' } });
    expect(
      history(run)
        .filter((e) => e.type === 'eval')
        .map((e) => e.step),
    ).toEqual([3, 6]);
    const resumed = await cli(work, ['train', '--resume', run, '--max-steps', '8', '--log-format', 'json']);
    expect(JSON.parse(resumed.stdout.trim().split('\n').pop()!)).toMatchObject({ step: 8, reason: 'max-steps' });
  }, 180_000);

  it('bad usage: one line, exit 2, nothing written', async () => {
    writeFileSync(join(work, 'bad.json'), JSON.stringify({ lr: 0.1, bogus: 1 }));
    const cases: [string[], RegExp][] = [
      [['--out', 'x1'], /a new run needs --ids DIR and --out RUN/],
      [['--ids', 'nowhere', '--out', 'x2'], /nowhere\/index\.json: file not found/],
      [['--ids', 'ids', '--out', 'x3', '--config', 'bad.json'], /bad\.json: unknown key 'bogus'/],
      [['--ids', 'ids', '--out', 'x4', '--cell', 'transformer'], /model\.cell must be one of rnn, gru, lstm/],
      [['--ids', 'ids', '--out', 'x5', '--dropout', '1.5'], /options: model\.dropout must be in \[0, 1\)/],
      [['--ids', 'ids', '--out', 'run'], /run: already holds a run \(continue it with --resume run/],
      [['--resume', 'run', '--lr', '0.1'], /only --max-steps, --max-epochs and --time-budget may be given/],
    ];
    for (const [args, message] of cases) {
      const r = await runPython([...TRAIN, ...args], { cwd: work });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    for (const x of ['x1', 'x2', 'x3', 'x4', 'x5']) expect(existsSync(join(work, x)), x).toBe(false);
  }, 180_000);
});
