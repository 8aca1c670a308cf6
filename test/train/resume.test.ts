/**
 * Exact resumption: a run stopped (budget reached) and resumed from its last/ checkpoint ends with
 * the same weights, bit for bit, as an uninterrupted run with the same seed — with dropout (RNG
 * state), Adam moments, epoch boundaries and evaluations in between. Also: the run directory's
 * layout, loadRun, history.jsonl, and recovery of a checkpoint stranded mid-swap.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun, readTrainState } from '../../src/model/run-dir.js';
import type { TrainSettingsInput } from '../../src/train/config.js';
import { prepareResume, prepareTraining } from '../../src/train/run-training.js';
import type { TrainEvent } from '../../src/train/events.js';
import { readHistory } from '../../src/train/history.js';
import { tinyTrainSettings } from '../helpers/tiny-train.js';
import { tinyCorpus } from './fixtures.js';

describe('exact resume', () => {
  it('stop at step 9 + resume to 17 = an uninterrupted run of 17 steps, bit for bit', async () => {
    const c = tinyCorpus(30);
    const full = await prepareTraining(tinyTrainSettings(c, join(c.dir, 'full'), { maxSteps: 17 }));
    let perEpoch = 0;
    full.trainer.events.on('start', (e) => (perEpoch = e.batchesPerEpoch));
    await full.trainer.run();
    expect(perEpoch).toBeLessThan(9); // the stopped run already crossed an epoch boundary

    const part = await prepareTraining(tinyTrainSettings(c, join(c.dir, 'part'), { maxSteps: 9 }));
    expect(part.trainer.state().step).toBe(0);
    const s1 = await part.trainer.run();
    expect(s1).toMatchObject({ reason: 'max-steps', step: 9 });
    const resumed = await prepareResume(join(c.dir, 'part'), { maxSteps: 17 });
    const events: TrainEvent[] = [];
    resumed.trainer.events.onAny((e) => events.push(e));
    const s2 = await resumed.trainer.run();
    expect(s2.step).toBe(17);
    expect(events[0]).toMatchObject({ type: 'start', resumed: true, step: 9 });
    expect(events.find((e) => e.type === 'step')).toMatchObject({ step: 10 });

    const a = readFileSync(join(c.dir, 'full', 'last', 'model.safetensors'));
    const b = readFileSync(join(c.dir, 'part', 'last', 'model.safetensors'));
    expect(a.equals(b)).toBe(true);
    const oa = readFileSync(join(c.dir, 'full', 'last', 'train-state', 'optimizer.safetensors'));
    const ob = readFileSync(join(c.dir, 'part', 'last', 'train-state', 'optimizer.safetensors'));
    expect(oa.equals(ob)).toBe(true);
    // The weights did change during training (the comparison is not between two untouched models).
    const first = await prepareTraining(tinyTrainSettings(c, join(c.dir, 'zero'), { maxSteps: 1 }));
    await first.trainer.run();
    expect(readFileSync(join(c.dir, 'zero', 'last', 'model.safetensors')).equals(a)).toBe(false);
  });

  it('with BPE-dropout: stop at step 9 + resume to 17 = an uninterrupted run, bit for bit', async () => {
    const c = tinyCorpus(30);
    const drop = { bpeDropout: 0.3 };
    const full = await prepareTraining(tinyTrainSettings(c, join(c.dir, 'full'), { maxSteps: 17, ...drop }));
    let perEpoch = 0;
    full.trainer.events.on('start', (e) => (perEpoch = e.batchesPerEpoch));
    await full.trainer.run();
    expect(perEpoch).toBeLessThan(9); // the stopped run crosses an epoch boundary: new segmentations
    const part = await prepareTraining(tinyTrainSettings(c, join(c.dir, 'part'), { maxSteps: 9, ...drop }));
    await part.trainer.run();
    const resumed = await prepareResume(join(c.dir, 'part'), { maxSteps: 17 });
    expect((await resumed.trainer.run()).step).toBe(17);
    const weights = (run: string) => readFileSync(join(c.dir, run, 'last', 'model.safetensors'));
    expect(weights('full').equals(weights('part'))).toBe(true);
    expect(JSON.parse(readFileSync(join(c.dir, 'part', 'config.json'), 'utf8')).training.bpeDropout).toBe(0.3);
    // and the dropout did change what was trained on: without it, other weights
    await (await prepareTraining(tinyTrainSettings(c, join(c.dir, 'plain'), { maxSteps: 17 }))).trainer.run();
    expect(weights('plain').equals(weights('full'))).toBe(false);
  });

  it('BPE-dropout is off at validation: weights held still, the same validation scores as without it', async () => {
    const c = tinyCorpus(30);
    // lr 1e-30 moves no float32 weight, so both runs validate the initial weights; a validation
    // encoded with dropout would score differently (other segmentations of the same sentences).
    const evals = async (name: string, extra: TrainSettingsInput) => {
      const run = await prepareTraining(tinyTrainSettings(c, join(c.dir, name), { maxSteps: 4, lr: 1e-30, ...extra }));
      const seen: TrainEvent[] = [];
      run.trainer.events.onAny((e) => seen.push(e));
      await run.trainer.run();
      return seen.filter((e) => e.type === 'eval' || e.type === 'sample');
    };
    const plain = await evals('plain', {});
    expect(plain.length).toBeGreaterThan(0);
    expect(await evals('dropout', { bpeDropout: 0.5 })).toEqual(plain);
  });

  it('writes the run directory of docs/training.md, loadable with loadRun', async () => {
    const c = tinyCorpus();
    const out = join(c.dir, 'run');
    const run = await prepareTraining(tinyTrainSettings(c, out, { maxSteps: 5 }));
    await run.trainer.run();
    for (const f of [
      'config.json',
      'tokenizer.json',
      'model.safetensors',
      'history.jsonl',
      'best/model.safetensors',
      'best/config.json',
      'last/model.safetensors',
      'last/train-state/state.json',
      'last/train-state/optimizer.safetensors',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({
      format: 'seq2seq',
      version: 1,
      kind: 'run',
      tokenizers: { src: 'tokenizer.json', tgt: 'tokenizer.json' },
    });
    expect(cfg.training).toMatchObject({ maxSteps: 5, evalEvery: 4, seed: 7, optimizer: 'adam' });
    const loaded = loadRun(out, 'last');
    expect(loaded.model.srcVocabSize).toBe(loaded.srcTokenizer.vocabSize);
    const live = run.model.params.map((p) => Array.from(p.value));
    expect(loaded.model.params.map((p) => Array.from(p.value))).toEqual(live);
    expect(loadRun(join(out, 'best')).checkpoint).toBe(join(out, 'best'));
    const history = readHistory(join(out, 'history.jsonl'));
    expect(history.map((e) => e.type)).toEqual(
      expect.arrayContaining(['start', 'step', 'eval', 'sample', 'checkpoint', 'done']),
    );
    expect(history.filter((e) => e.type === 'eval').map((e) => e.step)).toEqual([4, 5]);
    expect(readTrainState(out).json.step).toBe(5);
  });

  it('a checkpoint stranded between the two renames of a swap is recovered', async () => {
    const c = tinyCorpus();
    const out = join(c.dir, 'run');
    const run = await prepareTraining(tinyTrainSettings(c, out, { maxSteps: 2 }));
    await run.trainer.run();
    renameSync(join(out, 'last'), join(out, '.last.old')); // as if killed right after the first rename
    const resumed = await prepareResume(out, { maxSteps: 3 });
    expect((await resumed.trainer.run()).step).toBe(3);
  });

  it('refuses to overwrite a run and rejects changed settings on resume', async () => {
    const c = tinyCorpus();
    const out = join(c.dir, 'run');
    await (await prepareTraining(tinyTrainSettings(c, out, { maxSteps: 1 }))).trainer.run();
    await expect(prepareTraining(tinyTrainSettings(c, out, { maxSteps: 1 }))).rejects.toThrow(
      /already holds a run \(continue it with --resume/,
    );
    await expect(prepareResume(out, { lr: 0.1 })).rejects.toThrow(
      /only --max-steps, --max-epochs and --time-budget.*lr/,
    );
    expect(() => loadRun(join(c.dir, 'nope'))).toThrow(/nope: run directory not found/);
  });
});
