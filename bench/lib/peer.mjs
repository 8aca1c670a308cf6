// The PyTorch peer (../shared/peers/pytorch-bench, README beside it): run in the same benchmark run as our
// own figures, so that the ratio ours / PyTorch means something on whatever CPU the machine has today.
// Absent script or PyTorch: the benchmark says so and goes on without the ratio.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './runs.mjs';

export const peerScript = () => process.env.SEQ2SEQ_PEER ?? join(root, '..', 'shared', 'peers', 'pytorch-bench');

/** `RESULT torch greedy threads=2 batch=64 sent_per_s=321.0 …` → { threads: 2, batch: 64, sent_per_s: 321, … }. */
export function parseResult(line) {
  const r = {};
  for (const m of line.matchAll(/(\w+)=(\S+)/g)) r[m[1]] = Number.isFinite(Number(m[2])) ? Number(m[2]) : m[2];
  return r;
}

/**
 * Runs `pytorch-bench <mode> …args`; returns { results: [RESULT objects], error: null } or { results: [], error }
 * (the reason: the script is missing, PyTorch could not be had, it failed or timed out).
 */
export function runPeer(mode, args = [], { timeoutMs = 20 * 60_000 } = {}) {
  const script = peerScript();
  if (!existsSync(script)) return { results: [], error: `peer missing (${script} not found)` };
  const r = spawnSync(script, [mode, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) return { results: [], error: `peer could not run: ${r.error.message}` };
  if (r.status !== 0) {
    const why = r.status === 3 ? 'PyTorch unavailable' : `exit ${r.status ?? r.signal}`;
    const last = (r.stderr ?? '').trim().split('\n').pop();
    return { results: [], error: `peer failed (${why})${last ? `: ${last}` : ''}` };
  }
  const results = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('RESULT '))
    .map(parseResult);
  if (results.length === 0) return { results: [], error: 'peer printed no RESULT line' };
  return { results, error: null };
}

/**
 * The BLAS library PyTorch will load (Debian's alternatives link): a reference BLAS instead of OpenBLAS
 * makes the peer tens of times slower, so the benchmarks print which one it was.
 */
export function peerBlas() {
  const link = '/usr/lib/x86_64-linux-gnu/libblas.so.3';
  try {
    return realpathSync(link);
  } catch {
    return 'unknown';
  }
}

/** "ours / PyTorch" as a short string, or '–' without a peer figure. */
export const ratio = (ours, peer) => (Number.isFinite(peer) && peer > 0 ? `${(ours / peer).toFixed(2)}×` : '–');
