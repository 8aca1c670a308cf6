/**
 * Helpers of the PyTorch-twin tests: Debian's /usr/bin/python3 with torch (the `python3` on PATH may lack
 * it), the twin package on PYTHONPATH, and a visible reason to skip when torch cannot be imported.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers/run-cli.js';

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

export interface PyResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `python3 args…` with the twin on the path, feeding `input` on stdin. */
export function runPython(
  args: string[],
  opts: { input?: string; env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<PyResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, {
      cwd: opts.cwd ?? REPO,
      env: pythonEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
