/**
 * The NaN guard: a non-finite gradient skips the update (weights unchanged), halves the learning
 * rate and warns; too many in a row stop training with a RuntimeFailure naming the problem.
 */
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/data/batch.js';
import { Batcher } from '../../src/data/batcher.js';
import { RuntimeFailure } from '../../src/errors.js';
import { Seq2Seq } from '../../src/model/seq2seq.js';
import type { LossOptions, LossResult, Seq2SeqModel } from '../../src/model/types.js';
import { Adam } from '../../src/train/adam.js';
import type { TrainEvent } from '../../src/train/events.js';
import { LrSchedule } from '../../src/train/schedule.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/util/rng.js';

/** The real model, with a NaN written into one gradient on the chosen calls of loss(). */
function poisoned(model: Seq2Seq, badCalls: Set<number>): Seq2SeqModel {
  let calls = 0;
  return {
    srcVocabSize: model.srcVocabSize,
    tgtVocabSize: model.tgtVocabSize,
    hasAttention: model.hasAttention,
    params: model.params,
    loss(batch: Batch, opts?: LossOptions): LossResult {
      const r = model.loss(batch, opts);
      calls++;
      if (opts?.backward && badCalls.has(calls)) model.params[2].grad[0] = NaN;
      return r;
    },
    startDecoding: model.startDecoding.bind(model),
    step: model.step.bind(model),
  };
}

function setup(badCalls: number[], maxSteps: number) {
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
  const schedule = new LrSchedule({ kind: 'constant', lr: 0.01 });
  const trainer = new Trainer({
    model: poisoned(model, new Set(badCalls)),
    batches: new Batcher(pairs, { maxSentences: 4 }),
    optimizer: new Adam(model.params),
    schedule,
    maxSteps,
    maxBadSteps: 2,
  });
  const events: TrainEvent[] = [];
  const snapshots: Float32Array[][] = [];
  trainer.events.onAny((e) => {
    events.push(e);
    if (e.type === 'step') snapshots.push(model.params.map((p) => p.value.slice()));
  });
  return { model, trainer, events, snapshots, schedule };
}

describe('NaN guard', () => {
  it('skips the poisoned update, halves the rate, warns, and goes on', async () => {
    const { trainer, events, snapshots } = setup([3], 5);
    const summary = await trainer.run();
    expect(summary).toMatchObject({ reason: 'max-steps', step: 5 });
    const warnings = events.filter((e) => e.type === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ step: 3 });
    expect((warnings[0] as { message: string }).message).toMatch(
      /gradient norm is NaN; update skipped, learning rate halved to 0\.00500/,
    );
    // Step 3 left every weight as it was after step 2; steps 2 and 4 changed them.
    expect(snapshots[2]).toEqual(snapshots[1]);
    expect(snapshots[3]).not.toEqual(snapshots[2]);
    expect(snapshots[1]).not.toEqual(snapshots[0]);
    const lrs = events.filter((e) => e.type === 'step').map((e) => (e as { lr: number }).lr);
    expect(lrs).toEqual([0.01, 0.01, 0.01, 0.005, 0.005]);
    for (const s of snapshots[4]) for (const v of s) expect(Number.isFinite(v)).toBe(true);
  });

  it('stops with a clear error when it keeps happening', async () => {
    const { trainer } = setup([2, 3, 4, 5], 10);
    const err = await trainer.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeFailure);
    expect((err as Error).message).toMatch(
      /^training diverged: gradient norm is NaN at step 4, 3 non-finite steps in a row \(try a lower --lr or --clip-norm\)$/,
    );
  });
});
