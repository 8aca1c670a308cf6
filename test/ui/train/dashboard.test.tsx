/**
 * The training dashboard's pieces: the event reducer, progress bar and sparkline strings, the
 * Dashboard frame for a known sequence of events, and TrainApp wired to a live emitter (Ctrl-C →
 * stop request).
 */
import { render } from 'ink-testing-library';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TrainEmitter, type TrainEvent } from '../../../src/train/events.js';
import { prepareResume, prepareTraining } from '../../../src/train/run-training.js';
import { Dashboard } from '../../../src/ui/train/Dashboard.js';
import { TrainApp } from '../../../src/ui/train/mount.js';
import { TrainViewStore } from '../../../src/ui/train/view-store.js';
import { formatPlain } from '../../../src/ui/train/plain-log.js';
import { initialView, reduceView, resumedView } from '../../../src/ui/train/view-state.js';
import { progressBar } from '../../../src/ui/shared/ProgressBar.js';
import { downsample, sparkline } from '../../../src/ui/shared/Sparkline.js';
import { tinyTrainSettings } from '../../helpers/tiny-train.js';
import { tinyCorpus } from '../../train/fixtures.js';

const start: TrainEvent = {
  type: 'start',
  step: 0,
  epoch: 0,
  resumed: false,
  parameters: 193496,
  batchesPerEpoch: 10,
  maxSteps: 40,
  maxEpochs: null,
  timeBudgetMs: null,
  runDir: 'runs/x',
};
const step = (n: number, loss: number): TrainEvent => ({
  type: 'step',
  step: n,
  epoch: 0,
  epochStep: n,
  batchesPerEpoch: 10,
  loss,
  ppl: Math.exp(loss),
  lr: 0.003,
  gradNorm: 0.5,
  tokensPerSec: 12345,
  elapsed: n,
  eta: 40 - n,
});
const events: TrainEvent[] = [
  start,
  step(1, 6),
  step(2, 5),
  { type: 'eval', step: 2, epoch: 0, loss: 5.5, ppl: 244.69, bleu: 1.5, chrf: 12.25, best: true, metric: 'bleu' },
  { type: 'sample', step: 2, source: 'The man reads.', reference: 'Der Mann liest.', hypothesis: 'Der Mann' },
  { type: 'checkpoint', step: 2, kind: 'best', path: 'runs/x/best' },
  step(3, 4),
  step(4, 3),
  { type: 'eval', step: 4, epoch: 0, loss: 5.75, ppl: 314.19, bleu: 1.25, chrf: 13, best: false, metric: 'bleu' },
  { type: 'checkpoint', step: 4, kind: 'last', path: 'runs/x/last' },
  { type: 'warning', step: 4, message: 'step 4: loss is NaN; update skipped' },
];

describe('shared components', () => {
  it('progressBar fills round(f·width) cells and clamps', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░');
    expect(progressBar(1.7, 4)).toBe('████');
    expect(progressBar(NaN, 3)).toBe('░░░');
  });

  it('sparkline maps min → ▁ and max → █ linearly; downsample averages groups', () => {
    expect(sparkline([0, 7, 3.5, 1], 10)).toBe('▁█▅▂');
    expect(sparkline([2, 2], 5)).toBe('▁▁');
    expect(sparkline([1, NaN, 3], 5)).toBe('▁ █');
    expect(downsample([1, 3, 5, 7], 2)).toEqual([2, 6]);
  });
});

describe('view reducer', () => {
  it('keeps the latest step, all losses, evaluations, the samples of the latest evaluation, checkpoints', () => {
    const v = events.reduce(reduceView, initialView());
    expect(v.last?.step).toBe(4);
    expect(v.losses).toEqual([6, 5, 4, 3]);
    expect(v.evals.map((e) => e.step)).toEqual([2, 4]);
    expect(v.samples).toEqual([]); // the evaluation at step 4 had no samples yet
    expect(v.checkpoints).toEqual({ best: { path: 'runs/x/best', step: 2 }, last: { path: 'runs/x/last', step: 4 } });
    expect(v.warnings).toEqual(['step 4: loss is NaN; update skipped']);
  });
});

describe('Dashboard', () => {
  it('shows progress, figures, the validation table with the best marked, samples and checkpoints', () => {
    const v = events.slice(0, 8).reduce(reduceView, initialView());
    const { lastFrame } = render(<Dashboard view={v} width={100} />);
    const f = lastFrame()!;
    expect(f).toContain('seq2seq train runs/x  193,496 parameters');
    expect(f).toMatch(/Epoch\s+█+░+\s+40% epoch 1\s+batch 4\/10/);
    expect(f).toMatch(/Total\s+█+░+\s+10% step 4\/40\s+ETA 36s/);
    expect(f).toMatch(/step 4\s+loss 3\.000\s+ppl 20\.09\s+lr 3\.00e-3\s+\|g\| 0\.50\s+12,345 tok\/s/);
    expect(f).toMatch(/^loss\s+█▆▃▁$/m); // losses 6, 5, 4, 3 scaled to 8 levels
    expect(f).toMatch(/^\s+2\s+5\.500\s+244\.69\s+1\.50\s+12\.25\s+★ best$/m);
    expect(f).toContain('src The man reads.');
    expect(f).toContain('hyp Der Mann');
    expect(f).toContain('best → runs/x/best (step 2)');
    expect(f).toContain('Ctrl-C: stop and write a checkpoint');
  });

  it('fits a short terminal: fewer evaluations, no samples', () => {
    const v = events.slice(0, 9).reduce(reduceView, initialView());
    const withSamples = { ...v, samples: events.slice(4, 5) as typeof v.samples };
    const tall = render(<Dashboard view={withSamples} width={100} height={50} />).lastFrame()!;
    expect(tall).toContain('src The man reads.');
    expect(tall).toMatch(/^\s+2\s+5\.500/m);
    const short = render(<Dashboard view={withSamples} width={100} height={20} />).lastFrame()!;
    expect(short.split('\n').length).toBeLessThanOrEqual(20);
    expect(short).not.toContain('src The man reads.');
    expect(short).not.toMatch(/^\s+2\s+5\.500/m); // only the latest evaluation
    expect(short).toMatch(/^\s+4\s+5\.750/m);
  });

  it('the plain logger formats the same events as lines', () => {
    expect(formatPlain(events[3])).toBe('eval step 2 loss 5.500 ppl 244.69 BLEU 1.50 chrF 12.25 (best bleu)');
    expect(formatPlain(events[1])).toBe(
      'step 1 epoch 1 1/10 loss 6.000 ppl 403.43 lr 3.00e-3 gnorm 0.50 tok/s 12345 elapsed 1s eta 39s',
    );
  });
});

/** Resolves when `cond()` holds, checking after each turn of the event loop; fails after 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('TrainApp', () => {
  it('renders events from the emitter and turns Ctrl-C into a stop request', async () => {
    const emitter = new TrainEmitter();
    let interrupted = 0;
    const store = new TrainViewStore(emitter, [], 0);
    const { lastFrame, stdin } = render(<TrainApp store={store} onInterrupt={() => interrupted++} />);
    for (const e of events.slice(0, 6)) emitter.emit(e);
    await until(() => /step 2\s+loss 5\.000/.test(lastFrame()!), 'the second step');
    expect(lastFrame()).toMatch(/step 2\s+loss 5\.000/);
    expect(lastFrame()).toContain('★ best');
    await until(() => stdin.listenerCount('readable') > 0, 'Ink to read the keyboard');
    stdin.write('\x03');
    await until(() => interrupted > 0, 'the stop request');
    expect(interrupted).toBe(1);
    await until(() => lastFrame()!.includes('stopping: finishing'), 'the stopping line');
    expect(lastFrame()).toContain('stopping: finishing the step and writing a checkpoint');
    // The next step does not bring the Ctrl-C hint back while the trainer finishes.
    emitter.emit(step(3, 4));
    await until(() => /step 3\s+loss 4\.000/.test(lastFrame()!), 'the third step');
    expect(lastFrame()).toContain('stopping: finishing the step and writing a checkpoint');
    store.close();
  });
});

describe('TrainViewStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('folds events from when it is made, before anything subscribes', () => {
    const emitter = new TrainEmitter();
    const store = new TrainViewStore(emitter, [], 0);
    for (const e of events) emitter.emit(e);
    expect(store.getView()).toEqual(events.reduce(reduceView, initialView()));
    store.close();
    emitter.emit(step(5, 2));
    expect(store.getView().last?.step).toBe(4); // closed: no longer listening
  });

  it('shows steps at most every throttleMs, everything else at once', () => {
    vi.useFakeTimers();
    const emitter = new TrainEmitter();
    const store = new TrainViewStore(emitter, [], 100);
    let changes = 0;
    store.subscribe(() => changes++);
    emitter.emit(start); // not a step: shown at once
    expect(store.getView().start).toEqual(start);
    vi.advanceTimersByTime(150);
    emitter.emit(step(1, 6)); // 150 ms since the last frame: shown
    expect(store.getView().last?.step).toBe(1);
    emitter.emit(step(2, 5));
    emitter.emit(step(3, 4));
    expect(store.getView().last?.step).toBe(1); // held back
    vi.advanceTimersByTime(100);
    expect(store.getView().last?.step).toBe(3);
    emitter.emit(events[3]!); // an evaluation: at once
    expect(store.getView().evals).toHaveLength(1);
    expect(changes).toBe(4);
    store.close();
  });
});

describe('the dashboard of a resumed run', () => {
  it('starts from the earlier sessions (history.jsonl): validations, samples, checkpoints, losses', async () => {
    const c = tinyCorpus();
    try {
      const out = join(c.dir, 'run');
      const settings = tinyTrainSettings(c, out, { evalEvery: 10, maxSteps: 25 });
      const first = await prepareTraining(settings);
      const seen: TrainEvent[] = [];
      first.trainer.events.onAny((e) => seen.push(e));
      await first.trainer.run();
      expect(first.earlier).toEqual([]);

      const resumed = await prepareResume(out, { maxSteps: 30 });
      const v = resumedView(resumed.earlier);
      // What the first session reported live, and nothing of it that is over (start, done).
      const evals = seen.filter((e) => e.type === 'eval');
      expect(evals.map((e) => e.step)).toEqual([10, 20, 25]); // every 10 steps and the final one
      // (history.jsonl adds each event's wall-clock time)
      const timed = (es: TrainEvent[]) => es.map((e) => ({ ...e, time: expect.any(String) }));
      expect(v.evals).toEqual(timed(evals));
      const lastEval = seen.map((e) => e.type).lastIndexOf('eval');
      expect(v.samples).toEqual(timed(seen.slice(lastEval).filter((e) => e.type === 'sample')));
      expect(v.samples).toHaveLength(2);
      const ckpt = (kind: string) =>
        seen.filter((e) => e.type === 'checkpoint' && e.kind === kind).at(-1) as Extract<
          TrainEvent,
          { type: 'checkpoint' }
        >;
      expect(v.checkpoints).toEqual({
        best: { path: ckpt('best').path, step: ckpt('best').step },
        last: { path: ckpt('last').path, step: 25 },
      });
      expect(v.start).toBeNull();
      expect(v.last).toBeNull();
      expect(v.done).toBeNull();
      // history.jsonl keeps steps 1, 10, 20: each loss held over the steps it stands for (1 + 9 + 10).
      const loss = (n: number) =>
        (seen.find((e) => e.type === 'step' && e.step === n) as Extract<TrainEvent, { type: 'step' }>).loss;
      expect(v.losses).toEqual([loss(1), ...Array(9).fill(loss(10)), ...Array(10).fill(loss(20))]);

      // The dashboard before the first new step, and after the resumed session ends.
      const store = new TrainViewStore(resumed.trainer.events, resumed.earlier, 0);
      const app = render(<TrainApp store={store} onInterrupt={() => {}} />);
      const frame = () => app.lastFrame()!;
      expect(frame()).not.toContain('no evaluation yet');
      expect(frame()).not.toContain('none yet');
      for (const e of evals) expect(frame()).toMatch(new RegExp(`^\\s+${e.step}\\s+${e.loss.toFixed(3)}\\s`, 'm'));
      expect(frame()).toContain(`best → ${ckpt('best').path} (step ${ckpt('best').step})`);
      expect(frame()).toMatch(/^loss\s+[▁▂▃▄▅▆▇█]{20}$/m);
      await resumed.trainer.run();
      store.close();
      await until(() => frame().includes('done (max-steps) at step 30'), 'the last frame');
      expect(frame()).toContain('(resumed)');
      expect(frame()).toContain('done (max-steps) at step 30');
      expect(frame()).toMatch(/^\s+30\s+\d+\.\d{3}\s/m); // the final evaluation of this session, under the earlier ones
      expect(frame()).toMatch(/^\s+10\s+\d+\.\d{3}\s/m);
    } finally {
      rmSync(c.dir, { recursive: true, force: true });
    }
  });

  it('reports an interrupted run once, with the command that continues it', () => {
    const v = [
      start,
      step(1, 6),
      { type: 'done', step: 1, epoch: 0, reason: 'interrupted', elapsed: 1, best: null } as TrainEvent,
    ].reduce(reduceView, initialView());
    const f = render(<Dashboard view={v} width={120} />).lastFrame()!;
    expect(f).toContain('done (interrupted) at step 1; continue with: seq2seq train --resume runs/x');
    expect(f.match(/interrupted/g)).toHaveLength(1);
  });
});
