/**
 * The training loop. One step:
 *   loss, ∇ = BPTT of Σ CE over the batch's target tokens      (model.loss with backward)
 *   ∇ ← ∇ / tokens                                              (per-token gradients)
 *   n = ‖∇‖₂ (global); ∇ ← ∇ · min(1, c / n)                     (clipping, ./clip.ts: the optimiser
 *                                                               applies the factor as it reads ∇)
 *   θ ← optimiser(θ, ∇, lr(step))                               (./sgd.ts, ./adam.ts, ./schedule.ts)
 * A non-finite loss or gradient skips the update, halves the learning rate and warns; more than
 * `maxBadSteps` such steps in a row stop training with a RuntimeFailure.
 * Every `evalEvery` steps the validator runs (loss, perplexity, BLEU, chrF, samples); the best
 * score by `bestMetric` is kept as the `best` checkpoint (and, when the sink keeps them, the weights
 * of every validation as a `kept` checkpoint, for averaging), and every `checkpointEvery` steps (and at
 * the end, and on a stop request such as Ctrl-C) the `last` checkpoint with the full train state.
 * The loop yields to the event loop after every step, so signals and the dashboard are served.
 * Everything is reported through typed events (./events.ts); nothing is printed here.
 */
import type { Batch } from '../data/batch.js';
import type { BatcherState } from '../data/batcher.js';
import { RuntimeFailure } from '../errors.js';
import type { Seq2SeqModel } from '../model/types.js';
import type { Rng } from '../util/rng.js';
import { clipScale, scaleGradsAndNorm } from './clip.js';
import { EarlyStopping, type EarlyStoppingState } from './early-stopping.js';
import { type BestMetric, type DoneEvent, type StopReason, TrainEmitter } from './events.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import type { LrSchedule, ScheduleState } from './schedule.js';
import type { ValidationResult } from './validator.js';

/** What the trainer needs from a batcher (data/batcher.ts's Batcher provides it). */
export interface BatchSource {
  readonly epoch: number;
  readonly index: number;
  readonly batchesInEpoch: number;
  nextInEpoch(): Batch | null;
  state(): BatcherState;
  restore(state: BatcherState): void;
}

/** The complete state a resumed run needs besides the weights. */
export interface TrainState {
  version: 1;
  step: number;
  batcher: BatcherState;
  optimizer: OptimizerState;
  schedule: ScheduleState;
  earlyStopping: EarlyStoppingState;
  /** Best checkpoint so far: metric value (higher is better form) and step. */
  best: { score: number; value: number; step: number } | null;
  /** States of the random generators (dropout …), in the order given to the trainer. */
  rngs: number[][];
  badSteps: number;
  /** Training seconds accumulated over all sessions. */
  trainSeconds: number;
  lastEvalStep: number;
}

/** Where checkpoints go (run-dir.ts implements it for a run directory). */
export interface CheckpointSink {
  /** Writes the weights (and, for 'last', the train state) atomically; returns the path written. */
  save(kind: 'best' | 'last', state: TrainState): string;
  /** Keeps the weights of a validation with its scores (checkpoints/step-N/); null when not keeping. */
  keep?(state: TrainState, scores: { loss: number; ppl: number; bleu: number; chrf: number }): string | null;
}

export interface TrainerOptions {
  model: Seq2SeqModel;
  batches: BatchSource;
  optimizer: Optimizer;
  schedule: LrSchedule;
  /** Clip the global gradient norm to this (0 = no clipping). */
  clipNorm?: number;
  validate?: (model: Seq2SeqModel) => ValidationResult;
  evalEvery?: number;
  checkpointEvery?: number;
  bestMetric?: BestMetric;
  /** Early-stopping patience in evaluations (0 = off). */
  patience?: number;
  maxSteps?: number | null;
  maxEpochs?: number | null;
  timeBudgetMs?: number | null;
  checkpoints?: CheckpointSink;
  /** Generators whose state is saved and restored (the model's dropout generator). */
  rngs?: Rng[];
  /** Consecutive non-finite steps tolerated before giving up (default 5). */
  maxBadSteps?: number;
  runDir?: string | null;
  /** Clock in milliseconds (tests may replace it). */
  now?: () => number;
}

export interface TrainSummary {
  reason: StopReason;
  step: number;
  epoch: number;
  best: DoneEvent['best'];
}

export class Trainer {
  readonly events = new TrainEmitter();
  private readonly o: TrainerOptions;
  private readonly earlyStopping: EarlyStopping;
  private readonly now: () => number;
  private step = 0;
  private best: TrainState['best'] = null;
  private badSteps = 0;
  private priorSeconds = 0;
  private lastEvalStep = 0;
  private stopRequest: StopReason | null = null;
  private resumed = false;

  constructor(opts: TrainerOptions) {
    this.o = opts;
    this.earlyStopping = new EarlyStopping(opts.patience ?? 0);
    this.now = opts.now ?? (() => performance.now());
  }

  get currentStep(): number {
    return this.step;
  }

  /** Asks the loop to stop after the current step (it writes the `last` checkpoint first). */
  requestStop(reason: StopReason = 'interrupted'): void {
    this.stopRequest ??= reason;
  }

  state(): TrainState {
    return {
      version: 1,
      step: this.step,
      batcher: this.o.batches.state(),
      optimizer: this.o.optimizer.state(),
      schedule: this.o.schedule.state(),
      earlyStopping: this.earlyStopping.state(),
      best: this.best,
      rngs: (this.o.rngs ?? []).map((r) => r.getState()),
      badSteps: this.badSteps,
      trainSeconds: this.priorSeconds + this.sessionSeconds(),
      lastEvalStep: this.lastEvalStep,
    };
  }

  restore(s: TrainState): void {
    this.step = s.step;
    this.o.batches.restore(s.batcher);
    this.o.optimizer.restore(s.optimizer);
    this.o.schedule.restore(s.schedule);
    this.earlyStopping.restore(s.earlyStopping);
    this.best = s.best;
    const rngs = this.o.rngs ?? [];
    if (s.rngs.length !== rngs.length)
      throw new Error(`train state has ${s.rngs.length} generator states, the run ${rngs.length}`);
    rngs.forEach((r, i) => r.setState(s.rngs[i]));
    this.badSteps = s.badSteps;
    this.priorSeconds = s.trainSeconds;
    this.lastEvalStep = s.lastEvalStep;
    this.resumed = true;
  }

  private sessionStart = 0;
  private sessionSeconds(): number {
    return this.sessionStart === 0 ? 0 : (this.now() - this.sessionStart) / 1000;
  }

  private metricScore(r: ValidationResult): { score: number; value: number } {
    const metric = this.o.bestMetric ?? 'bleu';
    const value = metric === 'bleu' ? r.bleu : metric === 'chrf' ? r.chrf : r.loss;
    return { score: metric === 'loss' ? -value : value, value };
  }

  private stopReason(): StopReason | null {
    if (this.stopRequest) return this.stopRequest;
    const { maxSteps, maxEpochs, timeBudgetMs } = this.o;
    if (maxSteps != null && this.step >= maxSteps) return 'max-steps';
    if (maxEpochs != null && this.o.batches.state().epoch >= maxEpochs) return 'max-epochs';
    if (timeBudgetMs != null && this.sessionSeconds() * 1000 >= timeBudgetMs) return 'time-budget';
    return null;
  }

  /**
   * The fraction of the run's budget used, for the schedule's end-of-budget annealing: the largest
   * of steps / maxSteps, epochs / maxEpochs and training seconds / (seconds before this session +
   * this session's time budget), so a run resumed with the rest of its budget continues the decay.
   */
  private progress(): number {
    const { maxSteps, maxEpochs, timeBudgetMs } = this.o;
    let p = 0;
    if (maxSteps != null) p = Math.max(p, this.step / maxSteps);
    if (maxEpochs != null) {
      const st = this.o.batches.state();
      p = Math.max(p, (st.epoch + st.index / Math.max(1, this.o.batches.batchesInEpoch)) / maxEpochs);
    }
    if (timeBudgetMs != null)
      p = Math.max(p, (this.priorSeconds + this.sessionSeconds()) / (this.priorSeconds + timeBudgetMs / 1000));
    return Math.min(1, p);
  }

  /** Seconds left by the tightest budget, from the mean step time of this session. */
  private eta(stepsThisSession: number): number | null {
    const elapsed = this.sessionSeconds();
    if (stepsThisSession === 0) return null;
    const perStep = elapsed / stepsThisSession;
    const etas: number[] = [];
    const { maxSteps, maxEpochs, timeBudgetMs } = this.o;
    if (maxSteps != null) etas.push(Math.max(0, maxSteps - this.step) * perStep);
    if (maxEpochs != null) {
      const st = this.o.batches.state();
      const per = this.o.batches.batchesInEpoch;
      etas.push(Math.max(0, (maxEpochs - st.epoch) * per - st.index) * perStep);
    }
    if (timeBudgetMs != null) etas.push(Math.max(0, timeBudgetMs / 1000 - elapsed));
    return etas.length === 0 ? null : Math.min(...etas);
  }

  private runEval(feedSchedules: boolean): boolean {
    if (!this.o.validate) return false;
    const epoch = this.o.batches.state().epoch;
    const r = this.o.validate(this.o.model);
    this.lastEvalStep = this.step;
    const { score, value } = this.metricScore(r);
    const isBest = this.best === null || score > this.best.score;
    if (isBest) this.best = { score, value, step: this.step };
    this.events.emit({
      type: 'eval',
      step: this.step,
      epoch,
      loss: r.loss,
      ppl: r.ppl,
      bleu: r.bleu,
      chrf: r.chrf,
      best: isBest,
      metric: this.o.bestMetric ?? 'bleu',
    });
    for (const s of r.samples) this.events.emit({ type: 'sample', step: this.step, ...s });
    if (isBest && this.o.checkpoints) {
      const path = this.o.checkpoints.save('best', this.state());
      this.events.emit({ type: 'checkpoint', step: this.step, kind: 'best', path });
    }
    const kept = this.o.checkpoints?.keep?.(this.state(), { loss: r.loss, ppl: r.ppl, bleu: r.bleu, chrf: r.chrf });
    if (kept) this.events.emit({ type: 'checkpoint', step: this.step, kind: 'kept', path: kept });
    if (feedSchedules) {
      if (this.o.schedule.observe(score))
        this.events.emit({
          type: 'warning',
          step: this.step,
          message:
            `validation ${this.o.bestMetric ?? 'bleu'} did not improve: learning rate lowered to ` +
            `${this.o.schedule.lrAt(this.step + 1, this.progress()).toPrecision(3)}`,
        });
      this.earlyStopping.observe(score, this.step);
    }
    return feedSchedules && this.earlyStopping.shouldStop;
  }

  private lastSavedStep = -1;

  private saveLast(): void {
    if (!this.o.checkpoints || this.lastSavedStep === this.step) return;
    this.lastSavedStep = this.step;
    const path = this.o.checkpoints.save('last', this.state());
    this.events.emit({ type: 'checkpoint', step: this.step, kind: 'last', path });
  }

  async run(): Promise<TrainSummary> {
    const { model, batches, optimizer, schedule } = this.o;
    const params = model.params;
    const parameters = params.reduce((a, p) => a + p.size, 0);
    const evalEvery = this.o.evalEvery ?? 0;
    const ckptEvery = this.o.checkpointEvery ?? evalEvery;
    const maxBad = this.o.maxBadSteps ?? 5;
    this.sessionStart = this.now();
    this.events.emit({
      type: 'start',
      step: this.step,
      epoch: batches.state().epoch,
      resumed: this.resumed,
      parameters,
      batchesPerEpoch: batches.batchesInEpoch,
      maxSteps: this.o.maxSteps ?? null,
      maxEpochs: this.o.maxEpochs ?? null,
      timeBudgetMs: this.o.timeBudgetMs ?? null,
      runDir: this.o.runDir ?? null,
    });
    let sessionSteps = 0;
    let reason: StopReason | null = null;
    let lastStepEnd = this.now();
    while ((reason = this.stopReason()) === null) {
      const epoch = batches.epoch;
      const batch = batches.nextInEpoch();
      if (batch === null) continue; // epoch boundary: the budget is checked again
      for (const p of params) p.zeroGrad();
      const r = model.loss(batch, { backward: true, train: true });
      const gradNorm = scaleGradsAndNorm(params, 1 / Math.max(1, r.tokens));
      this.step++;
      sessionSteps++;
      const lr = schedule.lrAt(this.step, this.progress());
      if (!Number.isFinite(r.loss) || !Number.isFinite(gradNorm)) {
        this.badSteps++;
        schedule.dampen(0.5);
        const what = !Number.isFinite(r.loss) ? `loss is ${r.loss}` : `gradient norm is ${gradNorm}`;
        if (this.badSteps > maxBad) {
          throw new RuntimeFailure(
            `training diverged: ${what} at step ${this.step}, ${this.badSteps} non-finite steps in a row (try a ` +
              `lower --lr or --clip-norm)`,
          );
        }
        this.events.emit({
          type: 'warning',
          step: this.step,
          message:
            `step ${this.step}: ${what}; update skipped, learning rate halved to ` +
            `${schedule.lrAt(this.step + 1, this.progress()).toPrecision(3)}`,
        });
      } else {
        this.badSteps = 0;
        optimizer.step(lr, clipScale(gradNorm, this.o.clipNorm ?? 0));
      }
      const t = this.now();
      const dt = Math.max(1e-6, (t - lastStepEnd) / 1000);
      lastStepEnd = t;
      this.events.emit({
        type: 'step',
        step: this.step,
        epoch,
        epochStep: batches.index,
        batchesPerEpoch: batches.batchesInEpoch,
        loss: r.loss / Math.max(1, r.tokens),
        ppl: Math.exp(r.nll / Math.max(1, r.tokens)),
        lr,
        gradNorm,
        tokensPerSec: r.tokens / dt,
        elapsed: this.sessionSeconds(),
        eta: this.eta(sessionSteps),
      });
      if (evalEvery > 0 && this.step % evalEvery === 0 && this.runEval(true)) {
        reason = 'early-stopping';
        break;
      }
      if (ckptEvery > 0 && this.step % ckptEvery === 0) this.saveLast();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // A final evaluation (unless stopped by a signal) reports the end state and may update best/;
    // it does not feed the schedules, so a stopped-and-resumed run stays identical to an uninterrupted one.
    if (reason !== 'interrupted' && this.o.validate && this.lastEvalStep !== this.step && this.step > 0)
      this.runEval(false);
    this.saveLast();
    const best = this.best
      ? { metric: this.o.bestMetric ?? 'bleu', value: this.best.value, step: this.best.step }
      : null;
    const epoch = batches.state().epoch;
    this.events.emit({ type: 'done', step: this.step, epoch, reason, elapsed: this.sessionSeconds(), best });
    return { reason, step: this.step, epoch, best };
  }
}
