// What the speed figures are measured against on the machine at hand: the CPU's name and the FMA peak of
// one core, measured as bench:kernels does (the addon's register-only multiply-add loop), and a counter of
// the GEMM FLOPs a piece of work executes (the "model FLOPs" of a training step or a decoding run).
import { cpus } from 'node:os';
import { getBackend } from '../../dist/tensor/index.js';
import { loadNative } from '../../dist/tensor/native.js';

export const cpuName = () => `${cpus()[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus().length} cores`;

/** GFLOP/s of one core's FMA units (best of 3 × ~0.2 s), or NaN without the native addon. */
export function fmaPeakPerCore() {
  const load = loadNative();
  return load.addon?.fmaPeak ? load.addon.fmaPeak() : NaN;
}

/**
 * Counts 2·M·N·K for every matrix product of the backend in use from now on — gemm, and the products by weights
 * packed once (gemmPackedWeights, gemmPackedMatrix) — and returns a reader of the total.
 * (One closure call per product: nothing next to the products themselves.)
 */
export function countGemmFlops() {
  const k = getBackend();
  const c = { flops: 0 };
  for (const [name, at] of Object.entries(PRODUCT_SHAPE)) {
    const f = k[name];
    k[name] = (...a) => {
      c.flops += 2 * a[at] * a[at + 1] * a[at + 2];
      return f(...a);
    };
  }
  return c;
}

/** The matrix products of the backend and where their M, N, K arguments start. */
const PRODUCT_SHAPE = {
  gemm: 2,
  gemmPackedWeights: 0,
  gemmPackedMatrix: 0,
  gemmFewRows: 1,
  gemmInt8: 0,
  gemmBf16: 0,
};

/** A product's label by shape M×K×N (gemm: and its transposes), or null for another kernel. */
function productLabel(name, a) {
  const at = PRODUCT_SHAPE[name];
  if (at === undefined) return null;
  const shape = `${a[at]}×${a[at + 2]}×${a[at + 1]}`;
  if (name === 'gemm') return `gemm ${a[0] ? 'T' : 'N'}${a[1] ? 'T' : 'N'} ${shape}`;
  return `${name} ${shape}`;
}

/** "12 % of 2 × 227 GFLOP/s" — what share of the FMA peak of `threads` cores a GFLOP/s figure is. */
export function peakShare(gflops, peak, threads) {
  if (!Number.isFinite(peak)) return 'peak unknown (no native addon)';
  return `${((100 * gflops) / (peak * threads)).toFixed(0)} % of ${threads} × ${peak.toFixed(0)} GFLOP/s`;
}

/**
 * Wall time per backend kernel from now on (GEMMs keyed by transposes and shape M×K×N), for a profile of
 * where a run's time goes: `reset()` before the run, `top(ms, n)` after it, as [label, % of ms, calls].
 */
export function timeKernels() {
  const k = getBackend();
  const stats = new Map();
  for (const name of Object.keys(k)) {
    const f = k[name];
    if (typeof f !== 'function' || name === 'threads' || name === 'setThreads') continue;
    k[name] = (...a) => {
      const t0 = performance.now();
      const r = f(...a);
      const key = productLabel(name, a) ?? name;
      const s = stats.get(key) ?? { ms: 0, calls: 0 };
      s.ms += performance.now() - t0;
      s.calls++;
      stats.set(key, s);
      return r;
    };
  }
  return {
    reset: () => stats.clear(),
    totalMs: () => [...stats.values()].reduce((a, s) => a + s.ms, 0),
    top: (ms, n) =>
      [...stats]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, n)
        .map(([key, s]) => [key, (100 * s.ms) / ms, s.calls]),
  };
}
