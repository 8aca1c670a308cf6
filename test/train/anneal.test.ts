/**
 * End-of-budget annealing: lr · min(1, (1 − p) / a), p = the fraction of the budget used (steps,
 * epochs or training time, across resumed sessions), floored at minLr. Hand-computed rates.
 */
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/data/batcher.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import { Adam } from '../../src/train/adam.js';
import { parseTrainSettings, resolveTrainSettings } from '../../src/train/config.js';
import { PRESETS } from '../../src/train/presets.js';
import type { TrainEvent } from '../../src/train/events.js';
import { LrSchedule, annealFactor } from '../../src/train/schedule.js';
import { Trainer, type TrainerOptions } from '../../src/train/trainer.js';
import { Rng } from '../../src/util/rng.js';

function trainer(extra: Partial<TrainerOptions>, schedule: LrSchedule) {
  const model = new Seq2Seq(
    { srcVocabSize: 12, tgtVocabSize: 12, embeddingSize: 4, hiddenSize: 6, attention: 'none', bidirectional: false },
    new Rng(3),
  );
  const rng = new Rng(5);
  const pairs = Array.from({ length: 16 }, (_, id) => ({
    id,
    src: Int32Array.from({ length: 3 }, () => 4 + rng.int(8)),
    tgt: Int32Array.from({ length: 3 }, () => 4 + rng.int(8)),
  }));
  const t = new Trainer({
    model,
    batches: new Batcher(pairs, { maxSentences: 4 }),
    optimizer: new Adam(model.params),
    schedule,
    ...extra,
  });
  const lrs: number[] = [];
  t.events.onAny((e: TrainEvent) => {
    if (e.type === 'step') lrs.push(e.lr);
  });
  return { t, lrs };
}

describe('end-of-budget annealing', () => {
  it('annealFactor: 1 until the last fraction a, then linear to 0 at the end', () => {
    expect(annealFactor(0, 0.25)).toBe(1);
    expect(annealFactor(0.75, 0.25)).toBe(1);
    expect(annealFactor(0.875, 0.25)).toBeCloseTo(0.5, 12);
    expect(annealFactor(0.95, 0.25)).toBeCloseTo(0.2, 12);
    expect(annealFactor(1, 0.25)).toBe(0);
    expect(annealFactor(1.5, 0.25)).toBe(0); // past the budget: clamped
    expect(annealFactor(0.9, 0)).toBe(1); // off
  });

  it('LrSchedule multiplies any schedule by the factor, never below minLr', () => {
    const s = new LrSchedule({ kind: 'constant', lr: 0.01, anneal: 0.5, minLr: 1e-4 });
    expect(s.lrAt(1, 0.2)).toBe(0.01);
    expect(s.lrAt(1, 0.75)).toBeCloseTo(0.005, 15);
    expect(s.lrAt(1, 0.99)).toBeCloseTo(2e-4, 15); // 0.01 · 0.01/0.5
    expect(s.lrAt(1, 0.999)).toBe(1e-4); // 0.01 · 0.002 = 2e-5, floored at minLr
    expect(s.lrAt(1, 1)).toBe(1e-4);
    const p = new LrSchedule({ kind: 'plateau', lr: 0.01, anneal: 0.5, factor: 0.5, patience: 1 });
    p.observe(1);
    p.observe(0); // plateau: 0.005
    expect(p.lrAt(1, 0.75)).toBeCloseTo(0.0025, 15);
    expect(new LrSchedule({ kind: 'constant', lr: 0.01 }).lrAt(1, 0.99)).toBe(0.01); // no anneal: progress ignored
  });

  it('the trainer anneals over the last half of maxSteps: step s of 8 gets 0.01 · min(1, (1 − s/8)/0.5)', async () => {
    const { t, lrs } = trainer({ maxSteps: 8 }, new LrSchedule({ kind: 'constant', lr: 0.01, anneal: 0.5, minLr: 0 }));
    await t.run();
    const expected = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => 0.01 * Math.min(1, (1 - s / 8) / 0.5));
    expect(lrs).toHaveLength(8);
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(expected[i], 15));
  });

  it('a time budget counts the seconds of earlier sessions: progress = (prior + session) / (prior + budget)', async () => {
    // A fake clock: 1 second per reading of it. The resumed run had 30 s of training before; its
    // session budget is 10 s, so the whole budget is 40 s and annealing (a = 0.5) starts at 20 s.
    let ms = 0;
    const schedule = new LrSchedule({ kind: 'constant', lr: 0.01, anneal: 0.5, minLr: 0 });
    const { t, lrs } = trainer({ timeBudgetMs: 10_000, now: () => (ms += 1000) }, schedule);
    const state = t.state();
    t.restore({ ...state, trainSeconds: 30 });
    await t.run();
    expect(lrs.length).toBeGreaterThan(0);
    // Every rate is already annealed (p ≥ 30/40 = 0.75 → factor ≤ 0.5), and they fall step by step.
    for (const lr of lrs) expect(lr).toBeLessThanOrEqual(0.005 + 1e-15);
    for (let i = 1; i < lrs.length; i++) expect(lrs[i]).toBeLessThan(lrs[i - 1]);
    // Each rate is 0.01 · (1 − p)/0.5 for a p = (30 + k)/40 with a whole number of seconds k.
    for (const lr of lrs) {
      const k = 40 * (1 - lr / 0.02) - 30;
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9);
    }
  });

  it('the setting: anneal in [0, 1), default 0', () => {
    expect(parseTrainSettings({ anneal: 0.3 }, 'run.json').anneal).toBe(0.3);
    expect(() => parseTrainSettings({ anneal: 1 }, 'run.json')).toThrow(/^run\.json: anneal must be in \[0, 1\)$/);
    expect(resolveTrainSettings([{ train: ['x'], out: 'y', preset: 'tiny' }], (n) => PRESETS[n]).anneal).toBe(0);
  });
});
