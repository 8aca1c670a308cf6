/**
 * Kill safety: `seq2seq train` (the real CLI, a tiny model on a 300-pair corpus) is killed with
 * SIGKILL 20 times (60 in test:long) at seeded random moments, and resumed after every kill. Three kinds of
 * kill, drawn by a seeded generator:
 *   timer       SIGKILL after a random delay from the start (any phase: start-up, tokenizer, steps,
 *               evaluations, checkpoint writes);
 *   temp file   SIGKILL as soon as the n-th temporary checkpoint directory (.last.tmp-PID,
 *               .best.tmp-PID) appears, i.e. while a checkpoint is being written;
 *   crash point the process kills itself at a named point (SEQ2SEQ_TEST_CRASH_AT, src/util/crash-point.ts)
 *               that timing cannot hit: between the two renames of a checkpoint swap, before the
 *               run directory's rename, with a temporary file half written, …
 * After every kill, reading only (as `translate`/`inspect` would): every checkpoint on disk loads
 * (model, and for last/ the train state), and none is older than the newest one the process had
 * reported written before it died (a lost checkpoint). Then `--resume` must say it resumes at the
 * step on disk. At the end the run is finished without kills and compared with a run that was never
 * killed: the weights and Adam moments must be identical bit for bit, no temporary file may be left,
 * and history.jsonl must hold each step once.
 * The CLI runs from a snapshot of bin/, dist/ and the native addon taken at the start, so that a
 * rebuild in the shared working tree during the test cannot change the arithmetic between sessions.
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  watch,
  type FSWatcher,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointDir, hasCheckpoint, loadRun, readRunConfig, readTrainState } from '../../src/model/run-dir.js';
import { readHistory } from '../../src/train/history.js';
import { deserializeTrainState } from '../../src/train/train-state.js';
import { REPO } from '../helpers/run-cli.js';
import { RUN_DIR_ENTRIES, stackLines, trainArgs, writeCorpora } from './fixtures.js';

/** 20 in `npm test`; `npm run test:long` runs 60. */
const KILLS = Number(process.env.SEQ2SEQ_KILLS ?? 20);
const SEED = 20261129;
const BIG = '100000';

/** mulberry32: a small seeded generator, so that the sequence of kills is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Session {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
  /** How the session ended: the kind of kill that ended it, or 'exit'. */
  end: 'timer' | 'temp file' | 'crash point' | 'exit';
  /** Names of temporary checkpoint directories present right after the kill. */
  tempsAfter: string[];
}

const TEMP_CKPT = /^\.(last|best)\.tmp-\d+$/;

function runSession(
  cwd: string,
  args: string[],
  kill: { afterMs?: number; tempNth?: number; crashAt?: string },
): Promise<Session> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), NO_COLOR: '1' };
    if (kill.crashAt) env.SEQ2SEQ_TEST_CRASH_AT = kill.crashAt;
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let end: Session['end'] = kill.crashAt ? 'crash point' : 'exit';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const killNow = (why: Session['end']) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      end = why;
      child.kill('SIGKILL');
    };
    const timers: NodeJS.Timeout[] = [];
    // The timer starts with the first line the process prints (its start-up done), so that a slow,
    // loaded machine does not spend the whole window in Node's start-up.
    if (kill.afterMs !== undefined) {
      const afterMs = kill.afterMs;
      child.stderr.once('data', () => timers.push(setTimeout(() => killNow('timer'), afterMs)));
    }
    // A crash point or a temp-file kill not reached in time still ends with a (timer) kill.
    if (kill.afterMs === undefined) timers.push(setTimeout(() => killNow('timer'), 6000));
    let watcher: FSWatcher | null = null;
    if (kill.tempNth !== undefined) {
      const runDir = join(cwd, 'run');
      let seen = 0;
      watcher = watch(runDir, (_event, name) => {
        if (name && TEMP_CKPT.test(name) && existsSync(join(runDir, name)) && ++seen === kill.tempNth)
          killNow('temp file');
      });
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      watcher?.close();
      const runDir = join(cwd, 'run');
      const tempsAfter = existsSync(runDir) ? readdirSync(runDir).filter((n) => TEMP_CKPT.test(n)) : [];
      resolve({ code, signal, stderr, stdout, end, tempsAfter });
    });
  });
}

/** Steps of the checkpoints the process reported written (`checkpoint last step 12 → …`). */
function reported(stderr: string, kind: 'best' | 'last'): number {
  let max = -1;
  for (const m of stderr.matchAll(new RegExp(`^checkpoint ${kind} step (\\d+) `, 'gm')))
    max = Math.max(max, Number(m[1]));
  return max;
}

function stepOf(dir: string): number {
  return (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { step: number }).step;
}

let dir = '';
let BIN = '';
let appDir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'seq2seq-kill-'));
  const app = mkdtempSync(join(tmpdir(), 'seq2seq-kill-app-'));
  for (const d of ['bin', 'dist']) cpSync(join(REPO, d), join(app, d), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(app, 'package.json'));
  const addon = join(REPO, 'build', 'Release', 'seq2seq_native.node');
  if (existsSync(addon)) {
    mkdirSync(join(app, 'build', 'Release'), { recursive: true });
    cpSync(addon, join(app, 'build', 'Release', 'seq2seq_native.node'));
  }
  symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'));
  BIN = join(app, 'bin', 'seq2seq.js');
  appDir = app;
  writeCorpora(dir, 20);
});
afterAll(() => {
  if (appDir) rmSync(appDir, { recursive: true, force: true });
  if (dir && !process.env.SEQ2SEQ_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
});

/** `train` on the fixture corpora as every session of this test runs it; `extra` adds --max-steps and --out. */
const train = (...extra: string[]): string[] =>
  trainArgs(100, [
    '--dropout',
    '0.1',
    '--eval-every',
    '4',
    '--eval-max-sentences',
    '10',
    '--samples',
    '1',
    '--checkpoint-every',
    '2',
    '--log-format',
    'plain',
    ...extra,
  ]);
const CRASH_POINTS_RESUME = [
  'checkpoint.written',
  'checkpoint.moved-old',
  'checkpoint.swapped',
  'checkpoint.publish',
  'atomic-write.partial',
];

describe('kill -9 during training loses no checkpoint', () => {
  it(`${KILLS} seeded SIGKILLs (timer, during checkpoint writes, at crash points); every checkpoint loads, --resume continues, the result equals an unkilled run`, async () => {
    const rand = rng(SEED);
    const counts = {
      timer: 0,
      'temp file': 0,
      'crash point': 0,
      exit: 0,
      duringWrite: 0,
      stackTraces: 0,
      lost: 0,
      resumed: 0,
      progressed: 0,
      noRunYet: 0,
    };
    const crashPointsHit = new Map<string, number>();
    // The newest checkpoint steps a process reported written: what must never be lost.
    const promised = { best: -1, last: -1 };
    let crashNo = 0; // crash points are taken in turn, each at a random occurrence
    let onDisk = -1; // step of last/ on disk (-1: no run directory or no checkpoint yet)
    const log: string[] = [];

    for (let i = 0; i < KILLS; i++) {
      const runExists = existsSync(join(dir, 'run', 'config.json'));
      const args = runExists
        ? ['train', '--resume', 'run', '--max-steps', BIG]
        : train('--max-steps', BIG, '--out', 'run');
      // The kinds take turns (crash point, temp file, timer); their moments are seeded random draws.
      let kill: { afterMs?: number; tempNth?: number; crashAt?: string };
      if (i === 0)
        kill = { crashAt: 'run.created' }; // the very first kill: just before the new run is renamed into place
      else if (!runExists) kill = { afterMs: 300 + Math.floor(rand() * 900) };
      else if (i % 3 === 0)
        kill = {
          crashAt: `${CRASH_POINTS_RESUME[crashNo++ % CRASH_POINTS_RESUME.length]}:${1 + Math.floor(rand() * 3)}`,
        };
      else if (i % 3 === 1) kill = { tempNth: 1 + Math.floor(rand() * 3) };
      else kill = { afterMs: 150 + Math.floor(rand() * 900) };

      const s = await runSession(dir, args, kill);
      const what = `kill ${i + 1} (${JSON.stringify(kill)}), ${args.join(' ')}\n--- stderr:\n${s.stderr.slice(-3000)}`;
      expect(s.signal, `the process was to be killed, it ended with exit code ${s.code}: ${what}`).toBe('SIGKILL');
      counts[s.end]++;
      if (s.end === 'crash point') crashPointsHit.set(kill.crashAt!, (crashPointsHit.get(kill.crashAt!) ?? 0) + 1);
      if (s.tempsAfter.length > 0) counts.duringWrite++;
      const traces = stackLines(s.stderr + s.stdout);
      counts.stackTraces += traces.length;
      expect(traces, what).toEqual([]);

      if (runExists) {
        const m = /^resuming at step (\d+)$/m.exec(s.stderr);
        if (m) {
          counts.resumed++;
          expect(Number(m[1]), `--resume must continue from the step on disk: ${what}`).toBe(Math.max(0, onDisk));
          const steps = [...s.stderr.matchAll(/^(?:step|checkpoint last step) (\d+) /gm)].map((x) => Number(x[1]));
          if (steps.some((x) => x > Number(m[1]))) counts.progressed++;
        }
      }
      promised.best = Math.max(promised.best, reported(s.stderr, 'best'));
      promised.last = Math.max(promised.last, reported(s.stderr, 'last'));

      // What is on disk now, read without changing anything.
      const run = join(dir, 'run');
      if (!existsSync(join(run, 'config.json'))) {
        // Killed before the new run was renamed into place: nothing may exist under its name.
        expect(existsSync(run), `a half-created run directory was left: ${what}`).toBe(false);
        expect(promised.last, what).toBe(-1);
        counts.noRunYet++;
        log.push(`${i + 1}: ${s.end}, no run yet`);
        continue;
      }
      readRunConfig(run);
      if (hasCheckpoint(run, 'last')) {
        const last = checkpointDir(run, 'last');
        const loaded = loadRun(run, 'last');
        expect(loaded.model.params.length).toBeGreaterThan(0);
        const state = deserializeTrainState(readTrainState(run, false), last);
        expect(stepOf(last), `last/config.json and train-state disagree: ${what}`).toBe(state.step);
        if (state.step < promised.last) counts.lost++;
        expect(
          state.step,
          `last/ is older than a checkpoint the process reported written: ${what}`,
        ).toBeGreaterThanOrEqual(promised.last);
        onDisk = state.step;
      } else {
        if (promised.last >= 0) counts.lost++;
        expect(promised.last, `last/ is missing although step ${promised.last} was reported written: ${what}`).toBe(-1);
        onDisk = -1;
      }
      if (hasCheckpoint(run, 'best')) {
        const best = checkpointDir(run, 'best');
        loadRun(run, 'best');
        if (stepOf(best) < promised.best) counts.lost++;
        expect(stepOf(best), `best/ is older than reported: ${what}`).toBeGreaterThanOrEqual(promised.best);
      } else {
        if (promised.best >= 0) counts.lost++;
        expect(promised.best, `best/ is missing although step ${promised.best} was reported written: ${what}`).toBe(-1);
      }
      log.push(
        `${i + 1}: ${s.end}${kill.crashAt ? ` ${kill.crashAt}` : ''}${s.tempsAfter.length ? ` (left ${s.tempsAfter.join(', ')})` : ''}, last/ at step ${onDisk}`,
      );
    }

    console.log(`kill log (${dir}):\n${log.join('\n')}`);
    // Finish the run without kills, and train the same run from scratch without ever killing it.
    const finalSteps = Math.max(onDisk, 0) + 6;
    const ref = await runSession(dir, train('--max-steps', String(finalSteps), '--out', 'ref'), {
      afterMs: 60_000,
    });
    expect(ref.code, ref.stderr).toBe(0);
    const fin = await runSession(
      dir,
      existsSync(join(dir, 'run', 'config.json'))
        ? ['train', '--resume', 'run', '--max-steps', String(finalSteps)]
        : train('--max-steps', String(finalSteps), '--out', 'run'),
      { afterMs: 60_000 },
    );
    expect(fin.code, fin.stderr).toBe(0);
    expect(stackLines(fin.stderr)).toEqual([]);
    const run = join(dir, 'run');
    for (const f of [
      'last/model.safetensors',
      'last/train-state/optimizer.safetensors',
      'best/model.safetensors',
      'model.safetensors',
    ]) {
      expect(
        readFileSync(join(run, f)).equals(readFileSync(join(dir, 'ref', f))),
        `${f} differs from the run that was never killed`,
      ).toBe(true);
    }
    expect(readFileSync(join(run, 'last/train-state/state.json'), 'utf8').replace(/"trainSeconds":[^,]+,/, '')).toBe(
      readFileSync(join(dir, 'ref', 'last/train-state/state.json'), 'utf8').replace(/"trainSeconds":[^,]+,/, ''),
    );
    // Nothing left behind: no temporary file in the run or beside it, history without replayed steps.
    expect(readdirSync(run).sort()).toEqual(RUN_DIR_ENTRIES);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    const steps = readHistory(join(run, 'history.jsonl'))
      .filter((e) => e.type === 'step')
      .map((e) => e.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBe(steps.length);

    const summary = `kills ${KILLS}: timer ${counts.timer}, temp file ${counts['temp file']}, crash point ${counts['crash point']} (${[...crashPointsHit].map(([k, v]) => `${k}×${v}`).join(', ')}); killed with a checkpoint half written: ${counts.duringWrite}; before the run existed: ${counts.noRunYet}; resumed ${counts.resumed} (progressed ${counts.progressed}); final step ${finalSteps}; stack traces ${counts.stackTraces}; checkpoints lost ${counts.lost}`;
    console.log(summary);
    expect(counts.lost).toBe(0);
    expect(counts.stackTraces).toBe(0);
    expect(KILLS).toBeGreaterThanOrEqual(20);
    // The seeded draw must really exercise kills during checkpoint writes and at crash points.
    expect(counts.duringWrite + counts['crash point']).toBeGreaterThanOrEqual(8);
    expect(counts.progressed).toBeGreaterThanOrEqual(5);
  }, 400_000);
});
