/**
 * What the dashboard shows, folded from the trainer's events (a pure reducer, tested on its own).
 * A resumed run starts from the view of its earlier sessions (`resumedView`, from history.jsonl).
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
  return {
    start: null,
    last: null,
    losses: [],
    evals: [],
    samples: [],
    checkpoints: { best: null, last: null },
    warnings: [],
    done: null,
    stopping: false,
  };
}

/** The losses with `loss` appended `times` times, the oldest dropped beyond MAX_LOSSES. */
function withLoss(losses: readonly number[], loss: number, times = 1): number[] {
  const next = [...losses, ...Array<number>(Math.min(times, MAX_LOSSES)).fill(loss)];
  return next.length > MAX_LOSSES ? next.slice(next.length - MAX_LOSSES) : next;
}

export function reduceView(v: TrainView, e: TrainEvent): TrainView {
  switch (e.type) {
    case 'start':
      return { ...v, start: e };
    case 'step':
      return { ...v, last: e, losses: withLoss(v.losses, e.loss) };
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

/**
 * The view of a resumed run before its first new event, from the earlier sessions' events (its
 * history.jsonl, which --resume has cut back to the last checkpoint): their validations, the
 * samples of the latest one, the best and last checkpoints, and the loss curve. history.jsonl keeps
 * every tenth step, so each recorded loss stands for the steps since the one before (the chart's
 * x axis stays in steps). Their start, done and warnings belong to the sessions that are over.
 */
export function resumedView(history: readonly TrainEvent[]): TrainView {
  let v = initialView();
  let lastStep = 0;
  for (const e of history) {
    if (e.type === 'step') {
      v = { ...v, losses: withLoss(v.losses, e.loss, Math.max(1, e.step - lastStep)) };
      lastStep = e.step;
    } else if (e.type === 'eval' || e.type === 'sample' || e.type === 'checkpoint') {
      v = reduceView(v, e);
    }
  }
  return v;
}
