/**
 * The dashboard's view as a store for React: subscribed to the trainer's events from the moment it
 * is made (before the first frame, so the `start` event that `trainer.run()` emits at once is not
 * missed), it folds each event into the view (view-state.ts) and tells its subscribers: at once
 * for evaluations, checkpoints and the end, at most every `throttleMs` for steps.
 */
import type { TrainEmitter, TrainEvent } from '../../train/events.js';
import { type TrainView, reduceView, resumedView } from './view-state.js';

export class TrainViewStore {
  private view: TrainView;
  private shown: TrainView;
  private lastShown = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly off: () => void;

  /** `history`: a resumed run's earlier events, which the view starts from. */
  constructor(
    events: TrainEmitter,
    history: readonly TrainEvent[] = [],
    private readonly throttleMs = 100,
  ) {
    this.view = resumedView(history);
    this.shown = this.view;
    this.off = events.onAny((e) => this.fold(e));
  }

  /** The view drawn last (for React's useSyncExternalStore). */
  readonly getView = (): TrainView => this.shown;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Ctrl-C was pressed: the dashboard says it is stopping until training is done. */
  stopping(): void {
    this.view = { ...this.view, stopping: true };
    this.show();
  }

  /** Stops listening to the trainer. */
  close(): void {
    this.off();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private fold(e: TrainEvent): void {
    this.view = reduceView(this.view, e);
    if (e.type !== 'step' || Date.now() - this.lastShown >= this.throttleMs) this.show();
    else this.timer ??= setTimeout(() => this.show(), this.throttleMs);
  }

  private show(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastShown = Date.now();
    this.shown = this.view;
    for (const l of this.listeners) l();
  }
}
