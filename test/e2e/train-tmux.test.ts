/**
 * End to end through a real pseudo-terminal: `seq2seq train` in a detached tmux session of fixed
 * size shows the Ink dashboard (read back with capture-pane), and Ctrl-C sent with send-keys stops
 * training, writes the last checkpoint, says so once and exits 130; `train --resume` shows the run's
 * earlier validations and checkpoints. Skipped, with the reason, without tmux.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from '../helpers/run-cli.js';
import { tinyTrainArgs } from '../helpers/tiny-train.js';
import { tinyCorpus } from '../train/fixtures.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const socket = `seq2seq-train-e2e-${process.pid}`;
const tmux = (...args: string[]): string => {
  const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.trim()}`);
  return r.stdout;
};
const screen = (session: string): string => tmux('capture-pane', '-p', '-S', '-100', '-t', session);

async function waitFor(
  pred: (s: string) => boolean,
  what: string,
  timeoutMs = 40_000,
  session = 'train',
): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = screen(session);
    if (pred(s)) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const shq = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Runs the shell command `cmd` in a new detached 100×45 session `name` (in the repository, CI=true), which
 * prints EXIT=<its exit code> when it ends and stays open a minute to be read.
 */
const startSession = (name: string, cmd: string): void => {
  tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '100',
    '-y',
    '45',
    '-c',
    REPO,
    '-e',
    'CI=true',
    `${cmd}; echo EXIT=$?; sleep 60`,
  );
};

describe('seq2seq train in a terminal (tmux)', () => {
  afterAll(() => {
    if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  });

  it.skipIf(!hasTmux)(
    `shows the dashboard and Ctrl-C writes a checkpoint${hasTmux ? '' : ' (skipped: tmux not installed)'}`,
    async () => {
      const c = tinyCorpus(60, 6);
      const out = join(c.dir, 'run');
      const cmd = [process.execPath, BIN, ...tinyTrainArgs(c, out, { evalEvery: 5 }, ['--max-steps', '100000000'])]
        .map(shq)
        .join(' ');
      startSession('train', cmd);
      const s = await waitFor(
        (t) => /★ best/.test(t) && /Checkpoints best → /.test(t),
        'the dashboard with an evaluation',
      );
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
      // Said once, by the dashboard's last frame, with the command that continues the run.
      expect(end).toMatch(/done \(interrupted\) at step \d+.*; continue with: seq2seq train --resume\s+\S+run/s);
      expect(end.match(/interrupted/g)).toHaveLength(1);
      const state = JSON.parse(readFileSync(join(out, 'last', 'train-state', 'state.json'), 'utf8')) as {
        step: number;
      };
      expect(state.step).toBeGreaterThanOrEqual(5);
      expect(existsSync(join(out, 'last', 'model.safetensors'))).toBe(true);
      // (the dashboard's final frame; a long path may wrap after the arrow)
      expect(end).toMatch(new RegExp(`last →\\s+\\S+/run/last \\(step ${state.step}\\)`));
    },
  );

  it.skipIf(!hasTmux)(
    `after --resume, shows the earlier validations and checkpoints${hasTmux ? '' : ' (skipped: tmux not installed)'}`,
    async () => {
      const c = tinyCorpus(60, 6);
      try {
        const out = join(c.dir, 'run');
        const first = spawnSync(
          process.execPath,
          [BIN, ...tinyTrainArgs(c, out, { evalEvery: 20 }, ['--max-steps', '40', '--log-format', 'json'])],
          { encoding: 'utf8' },
        );
        expect(first.status, first.stderr).toBe(0);
        const evals = first.stderr
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { type: string; step: number; loss: number; kind?: string })
          .filter((e) => e.type === 'eval' || e.type === 'checkpoint');
        expect(evals.filter((e) => e.type === 'eval').map((e) => e.step)).toEqual([20, 40]);
        const best = evals.filter((e) => e.kind === 'best').at(-1)!;
        // Five more steps: no validation until the final one at step 45.
        const cmd = [process.execPath, BIN, 'train', '--resume', out, '--max-steps', '45'].map(shq).join(' ');
        startSession('resume', cmd);
        const end = await waitFor((t) => /EXIT=\d+/.test(t), 'the exit code', 40_000, 'resume');
        expect(end).toContain('EXIT=0');
        expect(end).toMatch(/seq2seq train \S+run\s+[\d,]+ parameters\s+\(resumed\)/);
        for (const e of evals.filter((x) => x.type === 'eval'))
          expect(end).toMatch(new RegExp(`^\\s+${e.step}\\s+${e.loss.toFixed(3)}\\s`, 'm'));
        expect(end).toMatch(/^\s+45\s+\d+\.\d{3}\s/m);
        expect(end).toMatch(new RegExp(`best →\\s+\\S+/run/best \\(step ${best.step}\\)`));
        expect(end).toMatch(/^loss\s+[▁▂▃▄▅▆▇█]+/m);
        // The result is the dashboard's last line; nothing repeats it below.
        expect(end).toMatch(/done \(max-steps\) at step 45/);
        expect(end).not.toContain('stopped (max-steps)');
      } finally {
        tmux('kill-session', '-t', 'resume');
        rmSync(c.dir, { recursive: true, force: true });
      }
    },
  );
});
