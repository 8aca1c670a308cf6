/**
 * Helpers of the PyTorch-twin tests: Debian's /usr/bin/python3 with torch (the `python3` on PATH may lack
 * it), the twin package on PYTHONPATH, a visible reason to skip when torch cannot be imported, and the twin's
 * autograd of our cases with what the gradient suites compare it by.
 */
import { join } from 'node:path';
import type { Param } from '../../src/nn/param.js';
import { type CliResult, REPO, runProcess } from '../helpers/run-cli.js';

export const PYTHON = '/usr/bin/python3';
export const PYTHON_DIR = join(REPO, 'python');

/** Environment of a twin process: the package importable, one BLAS thread unless told otherwise. */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: PYTHON_DIR,
    OMP_NUM_THREADS: '1',
    OPENBLAS_NUM_THREADS: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extra,
  };
}

/**
 * null when `import torch` works in /usr/bin/python3; otherwise why the twin tests are skipped (printed).
 * Asynchronous, so that a slow start of Python does not stall the test worker.
 */
export async function torchMissing(): Promise<string | null> {
  const r = await runPython(['-c', 'import torch; print(torch.__version__)'], { timeoutMs: 60_000 }).catch(
    (err: Error) => ({ code: 1, stdout: '', stderr: err.message }),
  );
  if (r.code === 0) return null;
  const why =
    `${PYTHON} cannot import torch (${(r.stderr || 'not found').trim().split('\n').pop()}); ` +
    "install Debian's python3-torch";
  process.stderr.write(`skipping the PyTorch twin tests: ${why}\n`);
  return why;
}

/** Runs `python3 args…` with the twin on the path, feeding `input` on stdin. */
export function runPython(
  args: string[],
  opts: { input?: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runProcess(PYTHON, args, {
    input: opts.input,
    cwd: opts.cwd ?? REPO,
    env: pythonEnv(opts.env),
    timeoutMs: opts.timeoutMs ?? 120_000,
  });
}

/** The twin's loss and gradient of every parameter for one case (PyTorch autograd, float64). */
export interface TwinGrads {
  name: string;
  loss: number;
  nll: number;
  tokens: number;
  grads: Record<string, number[]>;
}

/** PyTorch autograd through the twin (`seq2seq_torch.tool grads`) of each case (name, config, weights, batch…). */
export async function twinGrads(cases: object[]): Promise<TwinGrads[]> {
  const input = JSON.stringify(cases.map((c) => ({ ...c, dtype: 'float64' })));
  const r = await runPython(['-m', 'seq2seq_torch.tool', 'grads'], { input });
  if (r.code !== 0) throw new Error(`twin grads failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as TwinGrads[];
}

/** The relative error of a gradient as a vector: ‖a − b‖₂ / ‖b‖₂ (0 when both are zero, ∞ when only b is). */
export function relativeNormError(a: number[], b: number[]): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return n === 0 ? (d === 0 ? 0 : Infinity) : Math.sqrt(d / n);
}

/** Every parameter's values and gradient by name, as plain arrays for the twin. */
export function weightsAndGrads(params: readonly Param[]): {
  weights: Record<string, number[]>;
  grads: Record<string, number[]>;
} {
  const weights: Record<string, number[]> = {};
  const grads: Record<string, number[]> = {};
  for (const p of params) {
    weights[p.name] = Array.from(p.value);
    grads[p.name] = Array.from(p.grad);
  }
  return { weights, grads };
}
