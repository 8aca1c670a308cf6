/**
 * The native backend: the C kernels of native/ (built by scripts/build-native.mjs into
 * build/Release/seq2seq_native.node) wrapped as a `Backend`. Typed arrays are passed by pointer
 * (subarray views included), so every kernel works in place on JS-owned memory.
 * Loading never throws: `loadNative()` returns the addon or the reason it is unavailable.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backend.js';

/** The addon's exports: the Backend kernels (same argument order) plus a few facts about it. */
export type NativeAddon = Omit<Backend, 'name' | 'threads' | 'setThreads'> & {
  threads(): number;
  setThreads(n: number): void;
  /** Online CPUs seen by the addon. */
  cpuCount(): number;
  /** Instruction sets the compiler targeted, e.g. "C avx512f avx2 fma". */
  buildInfo(): string;
  /** FMA peak of one core, GFLOP/s (a register-only multiply-add loop, ~0.2 s; for benchmarks). */
  fmaPeak?(): number;
  /** The instruction sets of the int8 and bf16 products on this CPU, e.g. "int8 avx512-vnni, bf16 avx512-bf16". */
  lowPrecisionPaths?(): string;
  /** Runs the portable int8/bf16 loops even where the CPU has VNNI/BF16 (tests compare the two). */
  forcePortableLowPrecision?(on: boolean): void;
};

export type NativeLoad =
  | { addon: NativeAddon; path: string; error: null }
  | { addon: null; path: string; error: string };

/** build/Release/seq2seq_native.node at the package root (src/tensor or dist/tensor → ../..). */
export function nativeAddonPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', 'build', 'Release', 'seq2seq_native.node');
}

let cached: NativeLoad | null = null;

/** Loads the addon once; on failure returns the reason (never throws). */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    cached = {
      addon: null,
      path,
      error: 'addon not built (no build/Release/seq2seq_native.node; run `npm install` with a C compiler)',
    };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon.gemm !== 'function') throw new Error('the addon exports no gemm');
    cached = { addon, path, error: null };
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    cached = { addon: null, path, error: `addon failed to load: ${msg}` };
  }
  return cached;
}

/**
 * The native kernels as a partial Backend (every method the addon exports). `createBackend` in
 * ./index.ts completes it with the TypeScript kernels for anything missing.
 */
export function nativeKernels(addon: NativeAddon): Partial<Backend> & Pick<Backend, 'threads' | 'setThreads'> {
  const kernels: Partial<Backend> & Pick<Backend, 'threads' | 'setThreads'> = {
    threads: () => addon.threads(),
    setThreads: (n: number) => addon.setThreads(Math.max(1, Math.floor(n))),
  };
  const names = [
    'gemm',
    'transpose',
    'addRowVector',
    'sumRowsInto',
    'sumSquares',
    'axpy',
    'scale',
    'fill',
    'tanh',
    'sigmoid',
    'tanhBackward',
    'gruForward',
    'gruBackward',
    'lstmForward',
    'lstmBackward',
    'selectRows',
    'logSoftmax',
    'softmaxCrossEntropy',
    'dropoutMask',
    'gatherRows',
    'scatterAddRows',
    'adamStep',
    'additiveAttentionForward',
    'additiveAttentionBackward',
    'dotAttentionScores',
    'dotAttentionBackward',
    'attentionContext',
    'attentionContextBackward',
    'packedWeightsSize',
    'packWeights',
    'gemmPackedWeights',
    'rowTopK',
    'logSoftmaxTopK',
    'quantizeInt8',
    'gemmInt8',
    'packBf16',
    'gemmBf16',
    'packMatrix',
    'gemmPackedMatrix',
    'scaleSumSquares',
    'attentionScoreGrad',
    'attentionMemoryGrad',
    'gemmFewRows',
    'additiveScoresAt',
    'dotScoresAt',
    'attentionContextAt',
  ] as const;
  const table = kernels as Record<string, unknown>;
  const exported = addon as unknown as Record<string, unknown>;
  // the addon's functions are installed as they are: no wrapper on the hot path
  for (const n of names) if (typeof exported[n] === 'function') table[n] = exported[n];
  return kernels;
}
