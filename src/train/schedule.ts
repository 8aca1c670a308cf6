/**
 * Learning-rate schedules. The rate of update number s (1-based) is
 *   constant       lr(s) = base
 *   inverse-sqrt   lr(s) = base · min(s / W, √(W / s))      (linear warm-up over W steps, then 1/√s)
 *   plateau        lr = base, multiplied by `factor` (not below minLr) after `patience` evaluations
 *                  in a row without improvement of the validation metric
 * and every schedule is further multiplied by `damping`, which the NaN guard halves when it skips
 * an update. The state (current plateau rate, counters, damping) is saved for exact resumption.
 */

export type ScheduleKind = 'constant' | 'inverse-sqrt' | 'plateau';

export interface ScheduleOptions {
  kind: ScheduleKind;
  lr: number;
  warmupSteps?: number;
  factor?: number;
  patience?: number;
  minLr?: number;
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
    this.plateauLr = opts.lr;
  }

  /** The rate for update number `step` (1-based). */
  lrAt(step: number): number {
    const s = Math.max(1, step);
    let lr: number;
    if (this.kind === 'inverse-sqrt') lr = this.base * Math.min(s / this.warmup, Math.sqrt(this.warmup / s));
    else if (this.kind === 'plateau') lr = this.plateauLr;
    else lr = this.base;
    return lr * this.damping;
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
