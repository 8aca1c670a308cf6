/**
 * The optimiser contract: an update rule over the model's parameters whose whole state (moments,
 * step count) can be saved and restored, so that a resumed run continues exactly.
 */
import type { Param } from '../nn/param.js';

export interface OptimizerState {
  kind: 'sgd' | 'adam';
  /** Number of updates applied (Adam's t). */
  t: number;
  /** Per-parameter state tensors, named `<slot>.<param name>` (e.g. `m.encoder.embedding.weight`). */
  tensors: Map<string, Float32Array>;
}

export interface Optimizer {
  readonly kind: 'sgd' | 'adam';
  /**
   * Applies one update with learning rate `lr` from the gradients gradScale · `param.grad` (gradScale: the
   * clipping factor, default 1, the same as scaling the gradients by it first).
   */
  step(lr: number, gradScale?: number): void;
  state(): OptimizerState;
  restore(state: OptimizerState): void;
}

/** Copies each named slot tensor from a saved state into the live buffers (shapes checked). */
export function restoreSlots(
  params: readonly Param[],
  slots: Record<string, Float32Array[]>,
  state: OptimizerState,
  kind: string,
): void {
  if (state.kind !== kind) throw new Error(`optimizer state is for ${state.kind}, this run uses ${kind}`);
  for (const [slot, buffers] of Object.entries(slots)) {
    params.forEach((p, i) => {
      const saved = state.tensors.get(`${slot}.${p.name}`);
      if (!saved) throw new Error(`optimizer state has no ${slot}.${p.name}`);
      if (saved.length !== buffers[i].length)
        throw new Error(
          `optimizer state ${slot}.${p.name} has ${saved.length} values, the parameter ${buffers[i].length}`,
        );
      buffers[i].set(saved);
    });
  }
}
