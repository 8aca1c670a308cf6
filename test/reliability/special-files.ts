/**
 * Special files for the output and run-file tests, made only inside the test's own temporary
 * directory (never the system's /dev): character devices made with mknod (`null` is 1,3 and
 * `full` is 1,7, the kernel's null and full devices), FIFOs, symbolic links and a full disk (a
 * 64 KiB tmpfs filled up). Creating devices and mounting need root: each helper says why it could
 * not, and the tests skip visibly. Also a CLI runner whose standard output can be any file
 * descriptor or a pipe closed at once, and which can run another build of the CLI
 * (SEQ2SEQ_TEST_BIN=/work/wt-base/bin/seq2seq.js shows which tests fail on the code before).
 */
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BIN } from '../helpers/run-cli.js';

/** The CLI under test: this build, or another one given by SEQ2SEQ_TEST_BIN. */
export const BIN_UNDER_TEST = process.env.SEQ2SEQ_TEST_BIN ?? BIN;

/** Runs a command; returns null when it worked, else the first line of why not. */
function tryRun(cmd: string, args: string[]): string | null {
  try {
    execFileSync(cmd, args, { stdio: 'pipe' });
    return null;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return (e.stderr?.toString() || e.message).trim().split('\n')[0];
  }
}

/** Makes character device `path` like the kernel's null (1,3) or full (1,7) device; null or why not. */
export function makeDevice(path: string, kind: 'null' | 'full'): string | null {
  return tryRun('mknod', [path, 'c', '1', kind === 'null' ? '3' : '7']);
}

export function makeFifo(path: string): string | null {
  return tryRun('mkfifo', [path]);
}

/** What `path` is, for "the special file is still the same kind afterwards". */
export function kindOf(path: string): string {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return 'missing';
  }
  if (st.isSymbolicLink()) return `symlink -> ${readlinkSync(path)}`;
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return `char ${st.rdev}`;
  if (st.isDirectory()) return 'directory';
  return st.isFile() ? 'file' : 'other';
}

/** A 64 KiB tmpfs at `dir`, filled up; null when mounted, else why it could not be. */
export function mountFullDisk(dir: string): string | null {
  mkdirSync(dir, { recursive: true });
  const why = tryRun('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  if (why !== null) return why;
  try {
    writeFileSync(join(dir, 'filler'), Buffer.alloc(1 << 20)); // fills the disk, then fails
  } catch {
    /* ENOSPC: the disk is full now */
  }
  return null;
}

export function unmount(dir: string): void {
  tryRun('umount', [dir]);
}

/**
 * What this machine lets the tests do, probed once when the file is loaded (so that tests can be
 * skipped visibly with it.skipIf): null when it works, else why not.
 */
function probe(): { devices: string | null; fifos: string | null; mounts: string | null } {
  const d = mkdtempSync(join(tmpdir(), 'seq2seq-probe-'));
  try {
    const devices = makeDevice(join(d, 'null'), 'null');
    const fifos = makeFifo(join(d, 'fifo'));
    const mnt = join(d, 'mnt');
    mkdirSync(mnt);
    const mounts = tryRun('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    if (mounts === null) unmount(mnt);
    return { devices, fifos, mounts };
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}
export const CAN = probe();
for (const [what, why] of Object.entries(CAN))
  if (why !== null) console.warn(`reliability tests: cannot make ${what} here (${why}); those cases are skipped`);

/** Every entry under `dir`: its kind and, for a file, a hash of its bytes. */
export function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      const rel = relative(dir, p);
      if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(p);
      } else if (st.isFile()) out.set(rel, `file ${createHash('sha1').update(readFileSync(p)).digest('hex')}`);
      else out.set(rel, kindOf(p));
    }
  };
  walk(dir);
  return out;
}

/** The paths that differ between two trees (added, removed or changed). */
export function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

/** Temporary names this program makes (.NAME.tmp-PID…), a stranded .old, or a run's lock. */
export function leftovers(dir: string): string[] {
  return [...tree(dir).keys()].filter((p) => /(^|\/)\.[^/]+\.(tmp-\d+[^/]*|old)$|(^|\/)\.lock$/.test(p));
}

/**
 * Reads a FIFO until its writer closes it, in another process (`cat`), so that this process may
 * then open the FIFO for writing with a blocking open; resolves to what was read.
 */
export function readFifo(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const cat = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'inherit'] });
    cat.stdout.on('data', (d: Buffer) => chunks.push(d));
    cat.on('error', reject);
    cat.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

export interface RunResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  cwd: string;
  /** A file descriptor for the child's standard output, 'closed' (a pipe closed at once) or 'pipe' (default). */
  stdout?: number | 'closed' | 'pipe';
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Node options before the script, e.g. --max-old-space-size=96. */
  nodeArgs?: string[];
  /** The script to run instead of the CLI (it gets the CLI's arguments). */
  script?: string;
  timeoutMs?: number;
}

/**
 * At most two CLI processes of this test file run at once (the suite runs on two cores, beside the
 * kill test's timing and the terminal tests' frames); the others wait their turn.
 */
const MAX_CHILDREN = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function turn(): Promise<() => void> {
  if (running >= MAX_CHILDREN) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** Runs the CLI under test with `args`. */
export async function run(args: string[], o: RunOptions): Promise<RunResult> {
  const done = await turn();
  try {
    return await spawnCli(args, o);
  } finally {
    done();
  }
}

function spawnCli(args: string[], o: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const out = o.stdout ?? 'pipe';
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), o.script ?? BIN_UNDER_TEST, ...args], {
      cwd: o.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...o.env },
      stdio: ['pipe', typeof out === 'number' ? out : 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    if (out === 'closed') child.stdout!.destroy();
    else if (out === 'pipe') child.stdout!.on('data', (d: Buffer) => stdout.push(d));
    child.stderr!.on('data', (d: Buffer) => stderr.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? 128,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ms: Date.now() - started,
      });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(o.input ?? '');
  });
}

/** Runs the CLI under test as user `uid` (needs root; root ignores file permissions). */
export function runAs(uid: number, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN_UNDER_TEST, ...args], {
      cwd,
      uid,
      gid: uid,
      env: { ...process.env, NO_COLOR: '1', HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? 128,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      }),
    );
  });
}

/** Lines that look like a JavaScript stack trace, or Node's report of an uncaught error. */
export function traceLines(text: string): string[] {
  return text.split('\n').filter((l) => /^\s+at /.test(l) || /^Node\.js v\d/.test(l) || /^\s*\^$/.test(l));
}
