/**
 * train_ddp.py, the longer checks (test/python/ddp.test.ts has the others): torchrun itself launches it, and
 * the two trainers are the same training — a run of `seq2seq train` resumed from its checkpoint by ours and by
 * two twin ranks gives the same validation loss at every evaluation (same batches, loss normalisation,
 * clipping, Adam, schedule; float32 on both sides).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO,
  DEMO_VALID_EN_DE,
  TRAIN_DDP,
  cli,
  demoIds,
  encodeDemo,
  history,
  launchRanks,
} from '../python/ddp-setup.js';
import { runCommand } from '../helpers/run-command.js';
import { pythonEnv, torchMissing } from '../python/twin.js';

const missing = await torchMissing();
const work = mkdtempSync(join(tmpdir(), 'twin-ddp-long-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(missing !== null)('train_ddp.py: torchrun, and the same training as seq2seq train', () => {
  beforeAll(() => demoIds(work), 180_000);

  it("torchrun itself launches it (Debian's 1.13 under Python 3.11 needs --redirects 1 --tee 1)", async () => {
    if ((await runCommand('sh', ['-c', 'command -v torchrun'])).code !== 0) {
      process.stderr.write('torchrun not found: its launch is not tested\n');
      return;
    }
    const launcher = ['--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1'];
    const script = [TRAIN_DDP, '--ids', 'ids', '--out', 'run-torchrun', '--preset', 'tiny', '--max-steps', '3'];
    const r = await runCommand(
      'torchrun',
      [...launcher, '--log_dir', join(work, 'logs'), ...script, '--threads', '1'],
      {
        cwd: work,
        env: pythonEnv({ GLOO_SOCKET_IFNAME: 'lo' }),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('2 process(es) on cpu');
    const state = JSON.parse(readFileSync(join(work, 'run-torchrun', 'last', 'train-state', 'state.json'), 'utf8'));
    expect(state.step).toBe(3);
  });

  it('resumed from one checkpoint by `seq2seq train` and by two twin ranks: the same validation losses', async () => {
    const a = join(work, 'run-ours');
    await cli(work, [
      'train',
      '--train',
      join(DEMO, 'train'),
      ...DEMO_VALID_EN_DE,
      '--tokenizer',
      'tok.json',
      '--preset',
      'tiny',
      '--max-steps',
      '2',
      '--eval-every',
      '2',
      '--best-metric',
      'loss',
      '--eval-max-sentences',
      '5',
      '--samples',
      '0',
      '--out',
      a,
      '--log-format',
      'json',
    ]);
    const b = join(work, 'run-twin');
    cpSync(a, b, { recursive: true });
    await encodeDemo(work, ['--model', a], 'ids-ours');
    await cli(work, ['train', '--resume', a, '--max-steps', '12', '--log-format', 'json']);
    const ranks = await launchRanks(work, 2, ['--resume', b, '--ids', 'ids-ours', '--max-steps', '12']);
    for (const r of ranks) expect(r.code, r.out).toBe(0);
    const evals = (run: string) =>
      history(run)
        .filter((e) => e.type === 'eval' && e.step > 2)
        .map((e) => [e.step, e.loss!]);
    const ours = evals(a);
    const twin = evals(b);
    expect(ours.map((e) => e[0])).toEqual([4, 6, 8, 10, 12]);
    expect(twin.map((e) => e[0])).toEqual(ours.map((e) => e[0]));
    process.stdout.write(
      `validation loss, ours / twin on 2 ranks: ` +
        `${ours.map(([s, l], i) => `${s}: ${l.toFixed(7)} / ${twin[i][1].toFixed(7)}`).join(', ')}\n`,
    );
    twin.forEach(([, l], i) =>
      expect(Math.abs(l - ours[i][1]) / ours[i][1], `step ${ours[i][0]}: ${l} vs ${ours[i][1]}`).toBeLessThan(1e-4),
    );
    expect(ours[4][1]).toBeLessThan(ours[0][1] - 0.3);
  });
});
