/**
 * The interactive translator's controller: it holds the state, folds actions into it with
 * `update` (translate-state.ts) and carries out the effects that come back: translating (later,
 * through `schedule`, so that the "translating…" frame reaches the terminal before the CPU is busy),
 * saving the pairs, quitting. The Ink component subscribes to it and only draws; tests drive it
 * directly, stepping the scheduled translations by hand.
 */
import type { Key } from 'ink';
import { keyActions } from './keys.js';
import { savePairs } from './save-pairs.js';
import { type Effect, type TranslateAction, type TranslateState, update } from './translate-state.js';
import type { TranslationLike, TranslatorLike } from './types.js';

export interface ControllerOptions {
  translator: TranslatorLike;
  initial: TranslateState;
  /** Runs `run` later (after the current frame is drawn); returns a function that cancels it. */
  schedule: (run: () => void) => () => void;
  /** Called once when the user quits. */
  onQuit: () => void;
  /** Directory `:save` resolves relative names against (default: the process's cwd). */
  cwd?: string;
  /** Milliseconds clock for the "translated in" figure. */
  now?: () => number;
}

/** The first line of an error's message: the app shows one line, never a stack trace. */
export function oneLineError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return first.trim();
}

export class TranslateController {
  private state: TranslateState;
  private readonly listeners = new Set<() => void>();
  private cancelPending: (() => void) | null = null;

  constructor(private readonly o: ControllerOptions) {
    this.state = o.initial;
  }

  /** The current state (for React's useSyncExternalStore). */
  readonly getState = (): TranslateState => this.state;

  /** Calls `listener` after every change; returns the unsubscribe function. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  dispatch(action: TranslateAction): void {
    const r = update(this.state, action);
    if (r.state !== this.state) {
      this.state = r.state;
      for (const l of this.listeners) l();
    }
    for (const e of r.effects) this.run(e);
  }

  /** One input event from Ink. */
  key(input: string, key: Partial<Key>): void {
    for (const a of keyActions(input, key)) this.dispatch(a);
  }

  /** Cancels a scheduled translation (the app is going away). */
  dispose(): void {
    this.cancelPending?.();
    this.cancelPending = null;
  }

  private run(e: Effect): void {
    switch (e.kind) {
      case 'translate':
        this.cancelPending = this.o.schedule(() => {
          this.cancelPending = null;
          this.translate(e);
        });
        return;
      case 'save':
        try {
          const r = savePairs(e.file, e.entries, this.o.cwd);
          this.dispatch({ type: 'saved', path: r.path, count: r.count });
        } catch (err) {
          this.dispatch({ type: 'saveFailed', error: oneLineError(err) });
        }
        return;
      case 'quit':
        this.dispose();
        this.o.onQuit();
        return;
    }
  }

  private translate(e: Extract<Effect, { kind: 'translate' }>): void {
    if (this.state.quitting) return;
    const now = this.o.now ?? (() => performance.now());
    const t0 = now();
    let translation: TranslationLike | null = null;
    let error: string | null = null;
    try {
      translation = this.o.translator.translate([e.source], e.options)[0] ?? null;
      if (!translation) error = 'the translator returned no translation';
    } catch (err) {
      error = oneLineError(err);
    }
    this.dispatch({ type: 'translated', source: e.source, search: e.search, translation, error, ms: now() - t0 });
  }
}
