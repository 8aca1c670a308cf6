/**
 * Stochastic gradient descent with (heavy-ball) momentum, PyTorch's convention:
 *   g ← g + wd · p;   v ← μ v + g;   p ← p − lr · v        (μ = 0: plain SGD, v = g)
 */
import type { Param } from '../nn/param.js';
import { getBackend } from '../tensor/index.js';
import { type Optimizer, type OptimizerState, restoreSlots } from './optimizer.js';

export interface SgdOptions {
  momentum?: number;
  weightDecay?: number;
}

export class Sgd implements Optimizer {
  readonly kind = 'sgd' as const;
  private readonly params: readonly Param[];
  private readonly momentum: number;
  private readonly weightDecay: number;
  private readonly velocity: Float32Array[];
  private t = 0;

  constructor(params: readonly Param[], opts: SgdOptions = {}) {
    this.params = params;
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.velocity = params.map((p) => new Float32Array(p.size));
  }

  step(lr: number, gradScale = 1): void {
    const k = getBackend();
    this.params.forEach((p, i) => {
      if (gradScale !== 1) k.scale(gradScale, p.grad);
      if (this.weightDecay !== 0) k.axpy(this.weightDecay, p.value, p.grad);
      if (this.momentum === 0) {
        k.axpy(-lr, p.grad, p.value);
        return;
      }
      const v = this.velocity[i];
      k.scale(this.momentum, v);
      k.axpy(1, p.grad, v);
      k.axpy(-lr, v, p.value);
    });
    this.t++;
  }

  state(): OptimizerState {
    const tensors = new Map<string, Float32Array>();
    this.params.forEach((p, i) => tensors.set(`velocity.${p.name}`, this.velocity[i].slice()));
    return { kind: 'sgd', t: this.t, tensors };
  }

  restore(state: OptimizerState): void {
    restoreSlots(this.params, { velocity: this.velocity }, state, 'sgd');
    this.t = state.t;
  }
}
