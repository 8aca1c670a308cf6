/**
 * The trainer's typed events and a tiny typed emitter. The Ink dashboard, the plain/JSON logger
 * and history.jsonl all consume these; nothing here knows about terminals.
 */

export interface StartEvent {
  type: 'start';
  step: number;
  epoch: number;
  resumed: boolean;
  parameters: number;
  batchesPerEpoch: number;
  maxSteps: number | null;
  maxEpochs: number | null;
  timeBudgetMs: number | null;
  runDir: string | null;
}

export interface StepEvent {
  type: 'step';
  step: number;
  /** 0-based epoch of the batch just trained on. */
  epoch: number;
  /** Batches done in this epoch, and the epoch's number of batches. */
  epochStep: number;
  batchesPerEpoch: number;
  /** Training loss per target token (label smoothing included) and perplexity exp(nll/token). */
  loss: number;
  ppl: number;
  lr: number;
  /** Global gradient norm before clipping (per-token gradients). */
  gradNorm: number;
  tokensPerSec: number;
  /** Seconds of training in this session, and the estimated seconds left (null when unbounded). */
  elapsed: number;
  eta: number | null;
}

export interface EvalEvent {
  type: 'eval';
  step: number;
  epoch: number;
  loss: number;
  ppl: number;
  bleu: number;
  chrf: number;
  /** True when this evaluation is the best so far by the chosen metric. */
  best: boolean;
  metric: BestMetric;
}

export interface SampleEvent {
  type: 'sample';
  step: number;
  source: string;
  reference: string;
  hypothesis: string;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  /** kept: checkpoints/step-N/ (keepCheckpoints > 0), the weights of one validation. */
  kind: 'best' | 'last' | 'kept';
  path: string;
}

export interface WarningEvent {
  type: 'warning';
  step: number;
  message: string;
}

export type StopReason = 'max-steps' | 'max-epochs' | 'time-budget' | 'early-stopping' | 'interrupted';

export interface DoneEvent {
  type: 'done';
  step: number;
  epoch: number;
  reason: StopReason;
  elapsed: number;
  best: { metric: BestMetric; value: number; step: number } | null;
}

export type BestMetric = 'bleu' | 'chrf' | 'loss';

export type TrainEvent = StartEvent | StepEvent | EvalEvent | SampleEvent | CheckpointEvent | WarningEvent | DoneEvent;
export type TrainEventType = TrainEvent['type'];
export type EventOf<K extends TrainEventType> = Extract<TrainEvent, { type: K }>;

type Listener<E> = (event: E) => void;

/** A minimal typed emitter: `on('step', e => …)` gets a StepEvent; `onAny` gets every event. */
export class TrainEmitter {
  private readonly byType = new Map<TrainEventType, Listener<TrainEvent>[]>();
  private readonly any: Listener<TrainEvent>[] = [];

  on<K extends TrainEventType>(type: K, listener: Listener<EventOf<K>>): () => void {
    const list = this.byType.get(type) ?? [];
    list.push(listener as Listener<TrainEvent>);
    this.byType.set(type, list);
    return () => {
      const i = list.indexOf(listener as Listener<TrainEvent>);
      if (i >= 0) list.splice(i, 1);
    };
  }

  onAny(listener: Listener<TrainEvent>): () => void {
    this.any.push(listener);
    return () => {
      const i = this.any.indexOf(listener);
      if (i >= 0) this.any.splice(i, 1);
    };
  }

  emit(event: TrainEvent): void {
    for (const l of this.byType.get(event.type) ?? []) l(event);
    for (const l of this.any) l(event);
  }
}
