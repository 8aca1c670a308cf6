/**
 * The decoder's output layer at inference, z = W_o o + b_o, over the whole target vocabulary or over the columns
 * of a shortlist (./shortlist.ts), in one of three precisions:
 *   fp32  the default: the same product as training's (W_o packed once), the outputs pinned by the tests;
 *   bf16  W_o and o rounded to bfloat16, exact products summed in float32 (AVX512-BF16 where the CPU has it);
 *   int8  W_o quantized per row (scale max|W_j|/127), o per row the same way, exact integer sums (VNNI), scaled
 *         back (CTranslate2's scheme);
 * the last two are opt-in approximations (`seq2seq translate --precision`), as is a shortlist: their cost in BLEU
 * on Multi30k is measured in docs/decoding.md. Kernels: ../tensor/backend.ts (gemmInt8, gemmBf16).
 */
import type { Backend, F32 } from '../tensor/backend.js';
import { getBackend } from '../tensor/index.js';
import { bf16PackedSize, int8PackedSize } from '../tensor/low-precision-layout.js';
import { Fingerprint, StepMatrix } from './step-matrix.js';

export const OUTPUT_PRECISIONS = ['fp32', 'bf16', 'int8'] as const;
export type OutputPrecision = (typeof OUTPUT_PRECISIONS)[number];

/** z = W_o o + b_o over some columns of the vocabulary. */
export interface OutputLayer {
  /** The token id of each column of z, ascending, or null: column j is token j (the whole vocabulary). */
  readonly columns: Int32Array | null;
  /** Columns of z. */
  readonly width: number;
  /** z (n × width) = o W_oᵀ + b_o for the n rows of o (n × K). */
  logits(n: number, o: F32, z: F32): void;
}

/** W_o (V × K) and b_o (V) restricted to the ids in `columns` (all of them when null). */
function restrict(W: F32, bias: F32, K: number, columns: Int32Array | null): { W: F32; bias: F32 } {
  if (!columns) return { W, bias };
  const w = new Float32Array(columns.length * K);
  getBackend().gatherRows(columns, K, W, w);
  return { W: w, bias: Float32Array.from(columns, (id) => bias[id]) };
}

/** The weights in a low precision, made once (again when W changed since, or the backend is another). */
class LowPrecisionWeights {
  private madeBy: Backend | null = null;
  private readonly fingerprint: Fingerprint;
  q: Int8Array | null = null;
  scales: F32 | null = null;
  rowSums: Int32Array | null = null;
  bf16: Uint16Array | null = null;

  constructor(
    readonly precision: 'bf16' | 'int8',
    readonly W: F32,
    readonly N: number,
    readonly K: number,
  ) {
    this.fingerprint = new Fingerprint(W);
  }

  /** Makes the low-precision form unless it is current. */
  ready(): void {
    const k = getBackend();
    if (this.madeBy === k && this.fingerprint.matches()) return;
    const { N, K } = this;
    if (this.precision === 'int8') {
      this.q = new Int8Array(int8PackedSize(N, K));
      this.scales = new Float32Array(N);
      this.rowSums = new Int32Array(N);
      k.quantizeInt8(N, K, this.W, this.q, this.scales, this.rowSums);
    } else {
      this.bf16 = new Uint16Array(bf16PackedSize(N, K));
      k.packBf16(N, K, this.W, this.bf16);
    }
    this.madeBy = k;
    this.fingerprint.take();
  }
}

/** The output layer over the whole vocabulary in fp32: the model's packed W_o (DecoderStep's StepMatrix). */
export class FullOutput implements OutputLayer {
  readonly columns = null;
  readonly width: number;

  constructor(
    private readonly W: StepMatrix,
    private readonly bias: F32,
  ) {
    this.width = W.N;
  }

  logits(n: number, o: F32, z: F32): void {
    this.W.product(n, o, 0, z);
    getBackend().addRowVector(n, this.width, z, this.bias);
  }
}

/** The output layer over the ids `columns` (or all), in fp32 (W_o's rows packed once) or a low precision. */
export class ApproximateOutput implements OutputLayer {
  readonly width: number;
  private readonly fp32: StepMatrix | null = null;
  private readonly lowp: LowPrecisionWeights | null = null;
  private readonly bias: F32;

  constructor(
    readonly precision: OutputPrecision,
    W: F32,
    bias: F32,
    readonly K: number,
    readonly columns: Int32Array | null,
  ) {
    const r = restrict(W, bias, K, columns);
    this.bias = r.bias;
    this.width = r.bias.length;
    if (precision === 'fp32') {
      this.fp32 = new StepMatrix(r.W, this.width, K);
      this.fp32.pack();
    } else this.lowp = new LowPrecisionWeights(precision, r.W, this.width, K);
  }

  logits(n: number, o: F32, z: F32): void {
    const k = getBackend();
    const { width: N, K } = this;
    if (this.fp32) {
      this.fp32.product(n, o, 0, z);
      k.addRowVector(n, N, z, this.bias);
      return;
    }
    const w = this.lowp!;
    w.ready();
    if (w.precision === 'int8') k.gemmInt8(n, N, K, o, w.q!, w.scales!, w.rowSums!, this.bias, z);
    else k.gemmBf16(n, N, K, o, w.bf16!, this.bias, z);
  }
}
