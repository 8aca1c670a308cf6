/**
 * Early stopping: stop after `patience` evaluations in a row without a new best score
 * (higher is better; the trainer passes −loss for the loss). patience = 0 disables it.
 */
export interface EarlyStoppingState {
  best: number | null;
  bestStep: number;
  bad: number;
}

export class EarlyStopping {
  private best: number | null = null;
  private bestStep = 0;
  private bad = 0;

  constructor(readonly patience: number) {}

  /** Records a score; returns true when it is a new best. */
  observe(score: number, step: number): boolean {
    if (this.best === null || score > this.best) {
      this.best = score;
      this.bestStep = step;
      this.bad = 0;
      return true;
    }
    this.bad++;
    return false;
  }

  get shouldStop(): boolean {
    return this.patience > 0 && this.bad >= this.patience;
  }

  get bestScore(): number | null {
    return this.best;
  }

  get bestAt(): number {
    return this.bestStep;
  }

  state(): EarlyStoppingState {
    return { best: this.best, bestStep: this.bestStep, bad: this.bad };
  }

  restore(s: EarlyStoppingState): void {
    this.best = s.best;
    this.bestStep = s.bestStep;
    this.bad = s.bad;
  }
}
