/**
 * End to end through a real pseudo-terminal: `seq2seq train` in a detached tmux session of fixed
 * size shows the Ink dashboard (read back with capture-pane), and Ctrl-C sent with send-keys stops
 * training, writes the last checkpoint and exits 130. Skipped, with the reason, without tmux.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../helpers/run-cli.js';
import { tinyCorpus } from '../train/fixtures.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `seq2seq-train-e2e-${process.pid}`;
const tmux = (...args: string[]): string => {
  const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.trim()}`);
  return r.stdout;
};
const screen = (): string => tmux('capture-pane', '-p', '-S', '-100', '-t', 'train');

async function waitFor(pred: (s: string) => boolean, what: string, timeoutMs = 40_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = screen();
    if (pred(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const shq = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

describe('seq2seq train in a terminal (tmux)', () => {
  afterAll(() => {
    if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  });

  it.skipIf(!hasTmux)(`shows the dashboard and Ctrl-C writes a checkpoint${hasTmux ? '' : ' (skipped: tmux not installed)'}`, async () => {
    const c = tinyCorpus(60, 6);
    const out = join(c.dir, 'run');
    const cmd = [process.execPath, BIN, 'train', '--train', c.train, '--valid', c.valid, '--src', 'en', '--tgt', 'de', '--out', out, '--preset', 'tiny', '--embedding-size', '8', '--hidden-size', '12', '--vocab-size', '80', '--batch-tokens', '240', '--eval-every', '5', '--max-steps', '100000000']
      .map(shq)
      .join(' ');
    tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'train', '-x', '100', '-y', '45', '-c', REPO, '-e', 'CI=true', `${cmd}; echo EXIT=$?; sleep 60`);
    const s = await waitFor((t) => /★ best/.test(t) && /Checkpoints best → /.test(t), 'the dashboard with an evaluation');
    expect(s).toMatch(/seq2seq train \S+run\s+[\d,]+ parameters/);
    expect(s).toMatch(/Epoch\s+[█░]+\s+\d+% epoch \d+\s+batch \d+\/\d+/);
    expect(s).toMatch(/step \d+\s+loss \d+\.\d{3}\s+ppl [\d.e+]+\s+lr 3\.00e-3\s+\|g\| \d+\.\d\d\s+[\d,]+ tok\/s/);
    expect(s).toMatch(/^loss\s+[▁▂▃▄▅▆▇█]+/m);
    expect(s).toMatch(/^\s+5\s+\d+\.\d{3}\s+[\d.e+]+\s+\d+\.\d\d\s+\d+\.\d\d\s+★ best$/m);
    expect(s).toMatch(/^src /m);
    expect(s).toContain('Ctrl-C: stop and write a checkpoint');

    tmux('send-keys', '-t', 'train', 'C-c');
    const end = await waitFor((t) => /EXIT=\d+/.test(t), 'the exit code');
    expect(end).toContain('EXIT=130');
    expect(end).toMatch(/done \(interrupted\) at step \d+/);
    expect(end).toMatch(/interrupted; checkpoint written to .*run\/last/);
    const state = JSON.parse(readFileSync(join(out, 'last', 'train-state', 'state.json'), 'utf8')) as { step: number };
    expect(state.step).toBeGreaterThanOrEqual(5);
    expect(existsSync(join(out, 'last', 'model.safetensors'))).toBe(true);
    // (the dashboard's final frame; a long path may wrap after the arrow)
    expect(end).toMatch(new RegExp(`last →\\s+\\S+/run/last \\(step ${state.step}\\)`));
  });
});
