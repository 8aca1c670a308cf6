/**
 * Weight initialisation (PyTorch's defaults, so that a freshly built model behaves like one
 * built with torch.nn): recurrent weights and biases ~ U(−1/√H, 1/√H); Linear weights and biases
 * ~ U(−1/√fan_in, 1/√fan_in); embeddings ~ N(0, 1) with the padding row set to zero (a target
 * embedding tied to the output layer: N(0, 1/dim), src/model/decoder.ts).
 */
import type { Rng } from '../util/rng.js';
import type { Param } from './param.js';

export function initUniform(p: Param, rng: Rng, bound: number): void {
  const v = p.value;
  for (let i = 0; i < v.length; i++) v[i] = rng.uniform(-bound, bound);
}

export function initNormal(p: Param, rng: Rng, std: number): void {
  const v = p.value;
  for (let i = 0; i < v.length; i++) v[i] = rng.normal() * std;
}
