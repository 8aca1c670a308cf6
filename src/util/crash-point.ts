/**
 * Crash points for the kill-safety tests (test/reliability/kill.test.ts): with
 * SEQ2SEQ_TEST_CRASH_AT=<name>[:<n>] in the environment, the process kills itself with SIGKILL the
 * n-th time (default 1st) it reaches `crashPoint(name)`. This places a kill exactly between two
 * renames of a checkpoint swap, a window far too short to hit from outside by timing. Without the
 * variable (every normal run) a crash point costs one comparison.
 */
let target: { name: string; n: number } | null | undefined;
let seen = 0;

function parse(): { name: string; n: number } | null {
  const v = process.env.SEQ2SEQ_TEST_CRASH_AT;
  if (!v) return null;
  const m = /^([\w.-]+)(?::(\d+))?$/.exec(v);
  return m ? { name: m[1], n: m[2] ? Number(m[2]) : 1 } : null;
}

export function crashPoint(name: string): void {
  if (target === undefined) target = parse();
  if (target === null || target.name !== name) return;
  if (++seen === target.n) process.kill(process.pid, 'SIGKILL');
}
