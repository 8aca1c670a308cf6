/** Runs the real CLI (bin/seq2seq.js → dist/) as a subprocess. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/seq2seq.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI with `args`; colour off, the repository as the working directory unless told. */
export function runCli(
  args: string[],
  opts: { input?: string | Buffer; cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], {
    input: opts.input,
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
}

/** `eval` of `model` on the aligned test set `test` (en → de), greedy, scores as JSON; `extra` flags go last. */
export function greedyEvalArgs(model: string, test: string, extra: string[] = []): string[] {
  return [
    'eval',
    '--model',
    model,
    '--test',
    test,
    '--src',
    'en',
    '--tgt',
    'de',
    '--beam',
    '1',
    '--format',
    'json',
    ...extra,
  ];
}

/** Runs `cmd args…` with `input` on stdin, killed after `timeoutMs`; a death by a signal is exit code 128. */
export function runProcess(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
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
