/**
 * What the dashboard shows, folded from the trainer's events (a pure reducer, tested on its own).
 */
import type { EvalEvent, SampleEvent, StartEvent, StepEvent, TrainEvent } from '../../train/events.js';

export interface TrainView {
  start: StartEvent | null;
  last: StepEvent | null;
  /** Per-step training loss (per token), for the chart (bounded). */
  losses: number[];
  evals: EvalEvent[];
  samples: SampleEvent[];
  checkpoints: { best: { path: string; step: number } | null; last: { path: string; step: number } | null };
  warnings: string[];
  done: Extract<TrainEvent, { type: 'done' }> | null;
  stopping: boolean;
}

export const MAX_LOSSES = 2000;

export function initialView(): TrainView {
  return { start: null, last: null, losses: [], evals: [], samples: [], checkpoints: { best: null, last: null }, warnings: [], done: null, stopping: false };
}

export function reduceView(v: TrainView, e: TrainEvent): TrainView {
  switch (e.type) {
    case 'start':
      return { ...v, start: e };
    case 'step': {
      const losses = v.losses.length >= MAX_LOSSES ? [...v.losses.slice(v.losses.length - MAX_LOSSES + 1), e.loss] : [...v.losses, e.loss];
      return { ...v, last: e, losses };
    }
    case 'eval':
      return { ...v, evals: [...v.evals, e], samples: [] };
    case 'sample':
      return { ...v, samples: [...v.samples, e] };
    case 'checkpoint':
      if (e.kind === 'kept') return v; // the dashboard shows best/ and last/
      return { ...v, checkpoints: { ...v.checkpoints, [e.kind]: { path: e.path, step: e.step } } };
    case 'warning':
      return { ...v, warnings: [...v.warnings.slice(-4), e.message] };
    case 'done':
      return { ...v, done: e };
  }
}
