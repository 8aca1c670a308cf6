"""Our learning-rate schedule and early stopping (src/train/schedule.ts, src/train/early-stopping.ts), with
their saved state in our train-state form.
  constant lr = base; inverse-sqrt lr = base · min(s/W, √(W/s)); plateau: × factor (≥ minLr) after `patience`
  evaluations without improvement; every kind × damping (halved by a skipped non-finite step) and, with anneal a,
  max(min(lr, minLr), lr · min(1, (1 − p)/a)) where p is the fraction of the budget used."""

import math


class LrSchedule:
    def __init__(self, kind, lr, warmup_steps=0, factor=0.5, patience=2, min_lr=0.0, anneal=0.0):
        self.kind, self.base = kind, lr
        self.warmup = max(1, warmup_steps or 1)
        self.factor, self.patience, self.min_lr, self.anneal = factor, patience, min_lr, anneal
        self.plateau_lr, self.best, self.bad, self.damping = lr, None, 0, 1.0

    def lr_at(self, step, progress=0.0):
        s = max(1, step)
        if self.kind == 'inverse-sqrt':
            lr = self.base * min(s / self.warmup, math.sqrt(self.warmup / s))
        elif self.kind == 'plateau':
            lr = self.plateau_lr
        else:
            lr = self.base
        lr *= self.damping
        if self.anneal > 0:
            p = min(1.0, max(0.0, progress))
            lr = max(min(lr, self.min_lr), lr * min(1.0, (1 - p) / self.anneal))
        return lr

    def observe(self, score):
        """A validation score (higher is better); True when the plateau rule lowered the rate."""
        if self.best is None or score > self.best:
            self.best, self.bad = score, 0
            return False
        self.bad += 1
        if self.kind != 'plateau' or self.bad < self.patience:
            return False
        self.bad = 0
        nxt = max(self.min_lr, self.plateau_lr * self.factor)
        lowered = nxt < self.plateau_lr
        self.plateau_lr = nxt
        return lowered

    def dampen(self, f):
        self.damping *= f

    def state(self):
        return {
            'kind': self.kind,
            'plateauLr': self.plateau_lr,
            'best': self.best,
            'bad': self.bad,
            'damping': self.damping,
        }

    def restore(self, s):
        if s['kind'] != self.kind:
            raise ValueError(f"schedule state is for '{s['kind']}', this run uses '{self.kind}'")
        self.plateau_lr, self.best, self.bad, self.damping = s['plateauLr'], s['best'], s['bad'], s['damping']


class EarlyStopping:
    def __init__(self, patience):
        self.patience, self.best, self.best_step, self.bad = patience, None, 0, 0

    def observe(self, score, step):
        if self.best is None or score > self.best:
            self.best, self.best_step, self.bad = score, step, 0
            return True
        self.bad += 1
        return False

    @property
    def should_stop(self):
        return self.patience > 0 and self.bad >= self.patience

    def state(self):
        return {'best': self.best, 'bestStep': self.best_step, 'bad': self.bad}

    def restore(self, s):
        self.best, self.best_step, self.bad = s['best'], s['bestStep'], s['bad']
