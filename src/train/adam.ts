/**
 * Adam (Kingma & Ba 2015), through the backend's fused kernel:
 *   t ← t + 1;  m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²
 *   p ← p − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε) − lr · wd · p
 */
import type { Param } from '../nn/param.js';
import { getBackend } from '../tensor/index.js';
import { type Optimizer, type OptimizerState, restoreSlots } from './optimizer.js';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adam implements Optimizer {
  readonly kind = 'adam' as const;
  private readonly params: readonly Param[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(params: readonly Param[], opts: AdamOptions = {}) {
    this.params = params;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  step(lr: number, gradScale = 1): void {
    const k = getBackend();
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    this.params.forEach((p, i) => {
      const [m, v] = [this.m[i], this.v[i]];
      k.adamStep(p.value, p.grad, m, v, lr, this.beta1, this.beta2, this.eps, bc1, bc2, this.weightDecay, gradScale);
    });
  }

  state(): OptimizerState {
    const tensors = new Map<string, Float32Array>();
    this.params.forEach((p, i) => {
      tensors.set(`m.${p.name}`, this.m[i].slice());
      tensors.set(`v.${p.name}`, this.v[i].slice());
    });
    return { kind: 'adam', t: this.t, tensors };
  }

  restore(state: OptimizerState): void {
    restoreSlots(this.params, { m: this.m, v: this.v }, state, 'adam');
    this.t = state.t;
  }
}
