/**
 * `seq2seq train` as a subprocess: settings validation (unknown key, wrong type → one line naming
 * the field, exit 2), a short plain-log run, SIGTERM writing a checkpoint (exit 143) that
 * --resume continues, and `seq2seq inspect`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, runCli } from '../helpers/run-cli.js';
import { tinyTrainArgs } from '../helpers/tiny-train.js';
import { tinyCorpus } from './fixtures.js';

describe('seq2seq train: settings errors', () => {
  it('an unknown key in the config file names the file and the key (exit 2)', async () => {
    const c = tinyCorpus();
    const cfg = join(c.dir, 'train.json');
    writeFileSync(cfg, JSON.stringify({ train: [c.train], out: join(c.dir, 'o'), learningRate: 0.1 }));
    const r = await runCli(['train', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`seq2seq: ${cfg}: unknown key 'learningRate'`);
  });

  it('a wrong type in the config file names the field, also inside "model" (exit 2)', async () => {
    const c = tinyCorpus();
    const cfg = join(c.dir, 'train.json');
    writeFileSync(cfg, JSON.stringify({ train: [c.train], out: join(c.dir, 'o'), maxSteps: 'many' }));
    let r = await runCli(['train', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`seq2seq: ${cfg}: maxSteps must be a number`);
    writeFileSync(
      cfg,
      JSON.stringify({ train: [c.train], out: join(c.dir, 'o'), model: { hiddenSize: 12, cells: 'gru' } }),
    );
    r = await runCli(['train', '--config', cfg]);
    expect(r.stderr.trim()).toBe(`seq2seq: ${cfg}: unknown key 'model.cells'`);
    writeFileSync(cfg, '{"train": [');
    r = await runCli(['train', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/train\.json: not valid JSON/);
  });

  it('bad flags name the flag (exit 2)', async () => {
    const c = tinyCorpus();
    let r = await runCli([...tinyTrainArgs(c, join(c.dir, 'o')), '--lr', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("seq2seq: --lr: expected a number, got 'fast'");
    r = await runCli([...tinyTrainArgs(c, join(c.dir, 'o')), '--dropout', '1.5']);
    expect(r.stderr.trim()).toBe('seq2seq: options: --dropout must be in [0, 1)');
    r = await runCli([...tinyTrainArgs(c, join(c.dir, 'o')), '--memory-dropout', '1']);
    expect(r.stderr.trim()).toBe('seq2seq: options: --memory-dropout must be in [0, 1)');
    r = await runCli([...tinyTrainArgs(c, join(c.dir, 'o')), '--cell', 'transformer']);
    expect(r.stderr.trim()).toBe('seq2seq: options: --cell must be rnn, gru or lstm');
    expect(r.code).toBe(2);
    r = await runCli(['train', '--out', join(c.dir, 'o')]);
    expect(r.stderr.trim()).toMatch(/--train CORPUS is required/);
  });
});

describe('seq2seq train: runs', () => {
  it('trains with plain logs on stderr and the result on stdout; inspect shows the run', async () => {
    const c = tinyCorpus();
    const out = join(c.dir, 'run');
    const r = await runCli([...tinyTrainArgs(c, out), '--max-steps', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(
      new RegExp(`^${out}: stopped \\(max-steps\\) at step 4; best bleu \\d+\\.\\d\\d at step [34]$`),
    );
    expect(r.stderr).toMatch(/^step 1 epoch 1 1\/\d+ loss \d+\.\d{3} ppl/m);
    expect(r.stderr).toMatch(/^eval step 3 loss/m);
    expect(r.stderr).toMatch(/^checkpoint last step 4 → /m);
    const i = await runCli(['inspect', out]);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/parameters\s+[\d,]+/);
    expect(i.stdout).toMatch(/vocabulary\s+80 joint/);
    expect(i.stdout).toMatch(/^\s+3\s+\d+\.\d{3}/m); // the evaluation at step 3 in the history table
    const j = await runCli(['inspect', out, '--format', 'json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ parameters: expect.any(Number), training: { maxSteps: 4 } });
  });

  it('--memory-dropout, --word-dropout and --pre-output-size are stored in the model config; inspect shows the dropouts', async () => {
    const c = tinyCorpus();
    const out = join(c.dir, 'run');
    const r = await runCli([
      ...tinyTrainArgs(c, out),
      '--max-steps',
      '2',
      '--memory-dropout',
      '0.5',
      '--word-dropout',
      '0.1',
      '--pre-output-size',
      '7',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model).toMatchObject({
      memoryDropout: 0.5,
      wordDropout: 0.1,
      preOutputSize: 7,
    });
    const i = await runCli(['inspect', out]);
    expect(i.stdout).toMatch(/dropout [\d.]+, memory dropout 0\.5, word dropout 0\.1, label smoothing/);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s writes the last checkpoint and exits %i; --resume continues from it', async (signal, exitCode) => {
    const c = tinyCorpus();
    const out = join(c.dir, 'run');
    const child = spawn(
      process.execPath,
      [BIN, ...tinyTrainArgs(c, out), '--max-steps', '100000', '--eval-every', '100000', '--log-format', 'plain'],
      { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && /^step 10 /m.test(stderr)) {
        sent = true;
        child.kill(signal);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c2) => resolve(c2)));
    expect(code, stderr).toBe(exitCode);
    expect(stderr).toMatch(/interrupted; checkpoint written to .*\/last \(continue with: seq2seq train --resume /);
    const state = JSON.parse(readFileSync(join(out, 'last', 'train-state', 'state.json'), 'utf8'));
    expect(state.step).toBeGreaterThanOrEqual(10);
    expect(existsSync(join(out, 'last', 'model.safetensors'))).toBe(true);
    const r = await runCli(['train', '--resume', out, '--max-steps', String(state.step + 2), '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ step: state.step + 2, reason: 'max-steps' });
    expect(
      r.stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).type),
    ).toContain('start');
  });
});
