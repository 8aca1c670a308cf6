/**
 * A trainable tensor: its value and the gradient that backward passes accumulate into it.
 * `name` follows PyTorch's state_dict names (e.g. `encoder.rnn.weight_ih_l0`), `shape` its shape.
 * Buffers come from ./alloc.ts (float32, or float64 inside a gradient check).
 */
import { alloc } from './alloc.js';

export class Param {
  readonly name: string;
  readonly shape: number[];
  readonly value: Float32Array;
  readonly grad: Float32Array;

  constructor(name: string, shape: number[], value?: Float32Array) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (value && value.length !== size)
      throw new Error(`Param ${name}: value has ${value.length} elements, shape [${shape}] needs ${size}`);
    this.name = name;
    this.shape = shape;
    this.value = value ?? alloc(size);
    this.grad = alloc(size);
  }

  get size(): number {
    return this.value.length;
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }
}
