/**
 * Crash-safe directories, beside ./atomic-write.ts (which does the same for single files):
 *   writeDirWhole   replaces `parent/name` by a directory written whole under `.name.tmp-PID`, then
 *                   swapped in by renames (name → .name.old, tmp → name, rm .name.old);
 *   fillDirWhole    the same with an asynchronous writer (downloads, corpus preparation, id shards);
 *   createDirWhole  creates a new directory whole (written under a temporary sibling, renamed);
 *   discardDir      removes a directory so that a kill cannot leave half of it under its name;
 *   recoverDir      puts back a `.name.old` stranded by a kill between the two renames.
 * POSIX cannot exchange two directories in one rename: between the two renames `name` does not
 * exist and the complete old directory is `.name.old`. A kill at any moment leaves the complete old
 * or the complete new directory. Temporaries are named `.NAME.tmp-PID[-x]`; those of processes that
 * no longer run are removed by the next writer of the same name (removeStaleTemps). A failure while
 * writing removes this process's temporary at once.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fsyncDir } from './atomic-write.js';
import { crashPoint } from './crash-point.js';

/** A temporary name made by this program: `.NAME.tmp-PID` or `.NAME.tmp-PID-RANDOM`. */
const TEMP_NAME = /^\.(.+)\.tmp-(\d+)(?:-[a-z0-9]+)?$/;

/** True while process `pid` runs (another user's process counts as running). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return false; // ours cannot exist yet: a dead process with our pid left it
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files and directories in `dir` left by processes no longer running; returns their names. */
export function removeStaleTemps(dir: string, only?: (base: string) => boolean): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || (only && !only(m[1])) || processAlive(Number(m[2]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Puts back `parent/.name.old` when `name` is missing, or removes it when `name` exists (writers only). */
export function recoverDir(parent: string, name: string): void {
  const dir = join(parent, name);
  const old = join(parent, `.${name}.old`);
  if (!existsSync(dir) && existsSync(old)) renameSync(old, dir);
  else if (existsSync(dir) && existsSync(old)) rmSync(old, { recursive: true, force: true });
}

/** `.name.tmp-PID` in `parent`, emptied, after the stale temporaries of the same name are removed. */
function freshTemp(parent: string, name: string): string {
  removeStaleTemps(parent, (base) => base === name);
  const tmp = join(parent, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  return tmp;
}

/** Runs `fill(tmp)` and fsyncs `tmp`; on any error `tmp` is removed and the error rethrown. */
function fillTemp(tmp: string, fill: (tmp: string) => void): void {
  try {
    fill(tmp);
    fsyncDir(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Writes `parent/name` as a whole new directory: `fill` writes into `.name.tmp-PID`, which is
 * fsynced and swapped in by renames (name → .name.old, tmp → name, rm .name.old). A stranded
 * .name.old of an earlier kill is put back first. Returns the directory.
 */
export function writeDirWhole(parent: string, name: string, fill: (tmp: string) => void): string {
  recoverDir(parent, name);
  const tmp = freshTemp(parent, name);
  fillTemp(tmp, fill);
  return swapIn(parent, name, tmp);
}

/**
 * writeDirWhole for `dir` with an asynchronous `fill`, whose result it returns: a failure or an
 * interruption inside `fill` removes the temporary, and `dir` is left as it was.
 */
export async function fillDirWhole<T>(dir: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  const parent = dirname(resolve(dir));
  const name = basename(resolve(dir));
  recoverDir(parent, name);
  const tmp = freshTemp(parent, name);
  let result: T;
  try {
    result = await fill(tmp);
    fsyncDir(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  swapIn(parent, name, tmp);
  return result;
}

/** The filled `tmp` becomes `parent/name` by renames: name → .name.old, tmp → name, rm .name.old. */
function swapIn(parent: string, name: string, tmp: string): string {
  const final = join(parent, name);
  crashPoint('checkpoint.written');
  const old = join(parent, `.${name}.old`);
  if (existsSync(final)) renameSync(final, old);
  crashPoint('checkpoint.moved-old');
  renameSync(tmp, final);
  fsyncDir(parent);
  crashPoint('checkpoint.swapped');
  rmSync(old, { recursive: true, force: true });
  return final;
}

/**
 * Creates `dir` whole: `fill` writes its files into a temporary sibling, which is then renamed to
 * `dir` (an empty existing `dir` is replaced). A kill before the rename leaves nothing at `dir`,
 * and the temporary sibling is removed by the next attempt.
 */
export function createDirWhole(dir: string, fill: (tmp: string) => void): void {
  const parent = dirname(resolve(dir));
  const tmp = freshTemp(parent, basename(resolve(dir)));
  fillTemp(tmp, fill);
  try {
    crashPoint('run.created');
    if (existsSync(dir)) rmdirSync(dir); // empty (checked by the caller); rmdir refuses otherwise
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  fsyncDir(parent);
}

/** Removes a directory so that a kill cannot leave half of it under its own name. */
export function discardDir(dir: string): void {
  const doomed = join(dirname(dir), `.${basename(dir).replace(/^\./, '')}.tmp-${process.pid}-del`);
  renameSync(dir, doomed);
  fsyncDir(dirname(dir));
  crashPoint('checkpoint.discard');
  rmSync(doomed, { recursive: true, force: true });
}
