/**
 * Learning-rate schedules. The rate of update number s (1-based) is
 *   constant       lr(s) = base
 *   inverse-sqrt   lr(s) = base · min(s / W, √(W / s))      (linear warm-up over W steps, then 1/√s)
 *   plateau        lr = base, multiplied by `factor` (not below minLr) after `patience` evaluations
 *                  in a row without improvement of the validation metric
 * and every schedule is further multiplied by `damping`, which the NaN guard halves when it skips
 * an update, and, with `anneal` = a > 0, by the end-of-budget annealing factor
 *   min(1, (1 − p) / a)     p = the fraction of the run's budget used (steps, epochs or time)
 * which holds the rate for the first 1 − a of the budget, then lowers it linearly to 0 at its end
 * (never below minLr): a budget-aware linear decay, as in "budgeted training" (Li et al., 2020).
 * The state (current plateau rate, counters, damping) is saved for exact resumption.
 */

export type ScheduleKind = 'constant' | 'inverse-sqrt' | 'plateau';

export interface ScheduleOptions {
  kind: ScheduleKind;
  lr: number;
  warmupSteps?: number;
  factor?: number;
  patience?: number;
  minLr?: number;
  /** Anneal linearly to 0 over the last `anneal` fraction of the budget (0 = off). */
  anneal?: number;
}

export interface ScheduleState {
  kind: ScheduleKind;
  plateauLr: number;
  best: number | null;
  bad: number;
  damping: number;
}

export class LrSchedule {
  readonly kind: ScheduleKind;
  private readonly base: number;
  private readonly warmup: number;
  private readonly factor: number;
  private readonly patience: number;
  private readonly minLr: number;
  private readonly anneal: number;
  private plateauLr: number;
  private best: number | null = null;
  private bad = 0;
  private damping = 1;

  constructor(opts: ScheduleOptions) {
    this.kind = opts.kind;
    this.base = opts.lr;
    this.warmup = Math.max(1, opts.warmupSteps ?? 1);
    this.factor = opts.factor ?? 0.5;
    this.patience = opts.patience ?? 2;
    this.minLr = opts.minLr ?? 0;
    this.anneal = opts.anneal ?? 0;
    this.plateauLr = opts.lr;
  }

  /**
   * The rate for update number `step` (1-based), when the fraction `progress` ∈ [0, 1] of the run's
   * budget is used (only the annealing looks at it).
   */
  lrAt(step: number, progress = 0): number {
    const s = Math.max(1, step);
    let lr: number;
    if (this.kind === 'inverse-sqrt') lr = this.base * Math.min(s / this.warmup, Math.sqrt(this.warmup / s));
    else if (this.kind === 'plateau') lr = this.plateauLr;
    else lr = this.base;
    lr *= this.damping;
    if (this.anneal > 0) lr = Math.max(Math.min(lr, this.minLr), lr * annealFactor(progress, this.anneal));
    return lr;
  }

  /**
   * Reports a validation score (higher is better; pass −loss for a loss). Returns true when the
   * plateau schedule lowered the rate.
   */
  observe(score: number): boolean {
    if (this.best === null || score > this.best) {
      this.best = score;
      this.bad = 0;
      return false;
    }
    this.bad++;
    if (this.kind !== 'plateau' || this.bad < this.patience) return false;
    this.bad = 0;
    const next = Math.max(this.minLr, this.plateauLr * this.factor);
    const lowered = next < this.plateauLr;
    this.plateauLr = next;
    return lowered;
  }

  /** Multiplies every future rate by f (the NaN guard uses f = 0.5). */
  dampen(f: number): void {
    this.damping *= f;
  }

  state(): ScheduleState {
    return { kind: this.kind, plateauLr: this.plateauLr, best: this.best, bad: this.bad, damping: this.damping };
  }

  restore(s: ScheduleState): void {
    if (s.kind !== this.kind) throw new Error(`schedule state is for '${s.kind}', this run uses '${this.kind}'`);
    this.plateauLr = s.plateauLr;
    this.best = s.best;
    this.bad = s.bad;
    this.damping = s.damping;
  }
}

/** min(1, (1 − p) / a): 1 until the last fraction a of the budget, then linearly down to 0 at p = 1. */
export function annealFactor(progress: number, anneal: number): number {
  if (anneal <= 0) return 1;
  const p = Math.min(1, Math.max(0, progress));
  return Math.min(1, (1 - p) / anneal);
}
