/**
 * A training run's directory (docs/DESIGN.md §4, docs/training.md):
 *
 *   runs/en-de/
 *     config.json          {"format":"seq2seq","version":1,"kind":"run","model":{…},"training":{…},
 *                           "tokenizers":{"src":"tokenizer.src.json","tgt":"tokenizer.tgt.json"}}
 *     tokenizer.src.json   Hugging Face tokenizer.json files (a joint vocabulary: one tokenizer.json)
 *     tokenizer.tgt.json
 *     model.safetensors    the best weights (a hard link to best/model.safetensors, or a copy)
 *     history.jsonl        one training event per line
 *     best/                config.json + model.safetensors of the best validation score
 *     last/                config.json + model.safetensors + train-state/ (state.json, optimizer.safetensors)
 *     checkpoints/         with keepCheckpoints N > 0: the weights of the newest N validations,
 *       step-00000400/     config.json (model config, step, validation scores) + model.safetensors
 *     averaged/            written by `seq2seq average`: config.json (the steps averaged) + model.safetensors
 *
 * train-state/ lives inside last/ so that weights and optimiser state are always replaced together.
 * A checkpoint directory (best/, last/, checkpoints/step-N/, averaged/) is written whole under a
 * temporary name (every file fsynced), then swapped in by renames (kind → .kind.old, tmp → kind,
 * rm .kind.old): a kill at any point leaves either the complete old or the complete new checkpoint.
 * Readers never change the directory: they read a stranded .kind.old where kind/ is missing. The
 * writer (a checkpoint, or --resume through repairRun) puts .kind.old back and removes the
 * temporary files of killed processes. A kept checkpoint beyond N is first renamed to a temporary
 * name, then removed, so that a kill never leaves half a step-N/ directory; --resume also removes
 * kept checkpoints newer than last/ (their steps are redone, like the history's).
 * A new run is also created whole: built in a temporary sibling directory and renamed into place.
 * docs/reliability.md lists what a kill at each moment leaves behind. The directory swaps themselves
 * are src/util/atomic-dir.ts.
 *
 * Files inside a run are opened one way (src/util/regular-file.ts): regular files only, size-bounded,
 * and never through a symbolic link that leads out of the run; history.jsonl is appended with
 * O_NOFOLLOW. One process at a time may write a run: `lockRun` takes `.lock` (the owner's pid, host
 * and the run's real path); a lock whose process is gone (or that was copied with the run) is stale
 * and taken over.
 */
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
} from 'node:fs';
import {
  type Stats,
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { InputError, RuntimeFailure, Seq2SeqError } from '../errors.js';
import { Tokenizer } from '../text/tokenizer.js';
import {
  createDirWhole,
  discardDir,
  processAlive,
  recoverDir,
  removeStaleTemps,
  writeDirWhole,
} from '../util/atomic-dir.js';
import { fsyncDir, writeFileAtomic } from '../util/atomic-write.js';
import { crashPoint } from '../util/crash-point.js';
import { registerCleanup } from '../util/cleanup.js';
import { errnoReason } from '../util/fs-errors.js';
import { MAX_CONFIG_BYTES, readFileLimited, readJsonFile } from '../util/json-file.js';
import { isInside, openRegularFile } from '../util/regular-file.js';
import { CHECKPOINT_FORMAT, CONFIG_FILE, WEIGHTS_FILE, loadModel, saveModel } from './checkpoint.js';
import { parseModelConfig, type ModelConfig } from './config.js';
import { checkFinite, readSafetensors, writeSafetensors, type TensorEntry } from './safetensors.js';
import type { Seq2Seq } from './seq2seq.js';
import type { Seq2SeqModel } from './types.js';

export const RUN_SCHEMA_VERSION = 1;
export const HISTORY_FILE = 'history.jsonl';
export const TRAIN_STATE_DIR = 'train-state';
export const TRAIN_STATE_FILE = 'state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const JOINT_TOKENIZER_FILE = 'tokenizer.json';
export const SRC_TOKENIZER_FILE = 'tokenizer.src.json';
export const TGT_TOKENIZER_FILE = 'tokenizer.tgt.json';

export const KEPT_DIR = 'checkpoints';
export const AVERAGED_DIR = 'averaged';
/** The lock file of a run being written (by train or train --resume). */
export const LOCK_FILE = '.lock';
/** Largest history.jsonl read back (a million steps of events need about 100 MB). */
export const MAX_HISTORY_BYTES = 256 << 20;

export type CheckpointKind = 'best' | 'last';

/** checkpoints/step-<step, zero-padded to 8 digits>: names sort in step order. */
export function keptName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}
const KEPT_NAME = /^step-(\d+)$/;

export interface RunConfig {
  format: 'seq2seq';
  version: number;
  kind: 'run';
  model: ModelConfig;
  training: Record<string, unknown>;
  tokenizers: { src: string; tgt: string };
  [key: string]: unknown;
}

export interface LoadedRun {
  dir: string;
  model: Seq2SeqModel;
  config: RunConfig;
  srcTokenizer: Tokenizer;
  tgtTokenizer: Tokenizer;
  /** The checkpoint directory the weights came from. */
  checkpoint: string;
}

/** Saved train state: a JSON document and named tensors (the optimiser's moments). */
export interface SavedTrainState {
  json: Record<string, unknown>;
  tensors: TensorEntry[];
}

/** Writes the run's config.json (atomically). */
export function writeRunConfig(dir: string, cfg: Omit<RunConfig, 'format' | 'version' | 'kind'>): void {
  mkdirSync(dir, { recursive: true });
  const doc = { format: CHECKPOINT_FORMAT, version: RUN_SCHEMA_VERSION, kind: 'run', ...cfg };
  writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(doc, null, 2) + '\n');
}

/** Saves the tokenizers as the run expects them; returns their file names. */
export function saveTokenizers(
  dir: string,
  src: Tokenizer,
  tgt: Tokenizer,
  joint: boolean,
): { src: string; tgt: string } {
  if (joint) {
    src.save(join(dir, JOINT_TOKENIZER_FILE));
    return { src: JOINT_TOKENIZER_FILE, tgt: JOINT_TOKENIZER_FILE };
  }
  src.save(join(dir, SRC_TOKENIZER_FILE));
  tgt.save(join(dir, TGT_TOKENIZER_FILE));
  return { src: SRC_TOKENIZER_FILE, tgt: TGT_TOKENIZER_FILE };
}

/** Reads and checks config.json of a run directory. */
export function readRunConfig(dir: string): RunConfig {
  if (!existsSync(dir)) throw new InputError(`${dir}: run directory not found`);
  if (!statSync(dir).isDirectory()) throw new InputError(`${dir}: not a directory (expected a run directory)`);
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) throw new InputError(`${path}: file not found (not a run directory?)`);
  const doc = readJsonFile(path, 'run config', MAX_CONFIG_BYTES, dir);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${path}: expected a JSON object`);
  const d = doc as Record<string, unknown>;
  if (d.format !== CHECKPOINT_FORMAT)
    throw new InputError(`${path}: format is ${short(d.format)}, expected "${CHECKPOINT_FORMAT}"`);
  if (typeof d.version !== 'number' || d.version > RUN_SCHEMA_VERSION)
    throw new InputError(`${path}: unsupported version ${short(d.version)} (this program reads ${RUN_SCHEMA_VERSION})`);
  if (!d.model || typeof d.model !== 'object' || Array.isArray(d.model))
    throw new InputError(`${path}: no "model" section`);
  const model = parseModelConfig(d.model, `${path}: model`);
  if (d.training !== undefined && (d.training === null || typeof d.training !== 'object' || Array.isArray(d.training)))
    throw new InputError(`${path}: "training" must be an object`);
  const tk = d.tokenizers as { src?: unknown; tgt?: unknown } | undefined;
  const tokenizers =
    tk && typeof tk.src === 'string' && typeof tk.tgt === 'string'
      ? { src: tk.src, tgt: tk.tgt }
      : guessTokenizers(dir, path);
  for (const side of ['src', 'tgt'] as const)
    tokenizers[side] = fileInRun(dir, tokenizers[side], `${path}: tokenizers.${side}`);
  return {
    ...(d as object),
    format: CHECKPOINT_FORMAT,
    version: d.version,
    kind: 'run',
    model,
    training: (d.training as Record<string, unknown>) ?? {},
    tokenizers,
  } as RunConfig;
}

/** A JSON value, shortened for a one-line message. */
function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/**
 * A file name from a run's config.json, resolved relative to the run directory; it must stay
 * inside it (no absolute path, no "..", no symbolic link leading out), so that a tampered config
 * cannot make the program read or overwrite files elsewhere. Returns the normalised relative path.
 */
export function fileInRun(runDir: string, name: string, where: string): string {
  const rel = normalize(name);
  if (
    name === '' ||
    isAbsolute(name) ||
    rel === '..' ||
    rel.startsWith(`..${sep}`) ||
    rel.split(/[\\/]/).includes('..') ||
    name.includes('\0')
  ) {
    throw new InputError(`${where}: ${short(name)} must be a file name inside the run directory`);
  }
  const full = join(runDir, rel);
  if (existsSync(full)) {
    let real: string;
    let realRun: string;
    try {
      real = realpathSync(full);
      realRun = realpathSync(runDir);
    } catch {
      return rel;
    }
    if (!isInside(real, realRun))
      throw new InputError(`${where}: ${short(name)} leads outside the run directory (symbolic link to ${real})`);
  }
  return rel;
}

function guessTokenizers(dir: string, configPath: string): { src: string; tgt: string } {
  if (existsSync(join(dir, JOINT_TOKENIZER_FILE))) return { src: JOINT_TOKENIZER_FILE, tgt: JOINT_TOKENIZER_FILE };
  if (existsSync(join(dir, SRC_TOKENIZER_FILE))) return { src: SRC_TOKENIZER_FILE, tgt: TGT_TOKENIZER_FILE };
  throw new InputError(
    `${configPath}: no "tokenizers" entry and no ${JOINT_TOKENIZER_FILE} or ${SRC_TOKENIZER_FILE} beside it`,
  );
}

/** Puts back a checkpoint stranded by a kill between the two renames of a swap (writers only). */
export function recoverCheckpoint(runDir: string, kind: CheckpointKind): void {
  recoverDir(runDir, kind);
}

/** True when the run has a `kind` checkpoint (possibly stranded as .kind.old by a kill). */
export function hasCheckpoint(runDir: string, kind: CheckpointKind): boolean {
  return existsSync(join(readableCheckpoint(runDir, kind), CONFIG_FILE));
}

/** The directory holding the `kind` checkpoint, without changing anything: kind/, else a stranded .kind.old. */
function readableCheckpoint(runDir: string, kind: CheckpointKind): string {
  const dir = join(runDir, kind);
  if (existsSync(dir)) return dir;
  const old = join(runDir, `.${kind}.old`);
  return existsSync(old) ? old : dir;
}

/**
 * Brings a run directory back to a consistent state after a kill, before training continues from
 * the `last` checkpoint at step `step`: stranded .best.old/.last.old put back, temporary files of
 * killed processes removed, the run's model.safetensors pointed at best/ again, and history.jsonl
 * cut to its complete lines of events up to `step` (the steps after it are about to be redone).
 * Returns what it did, for a note.
 */
export function repairRun(runDir: string, step: number): string[] {
  const did: string[] = [];
  for (const kind of ['best', 'last'] as const) {
    if (existsSync(join(runDir, `.${kind}.old`))) did.push(`.${kind}.old`);
    recoverCheckpoint(runDir, kind);
  }
  did.push(...removeStaleTemps(runDir));
  did.push(...repairKept(runDir, step));
  const bestWeights = join(runDir, 'best', WEIGHTS_FILE);
  if (existsSync(bestWeights)) {
    const top = join(runDir, WEIGHTS_FILE);
    if (!sameWeights(runDir, top, bestWeights)) {
      publishWeights(runDir, bestWeights);
      did.push(WEIGHTS_FILE);
    }
  }
  const history = join(runDir, HISTORY_FILE);
  if (existsSync(history) || isLink(history)) {
    const text = readFileLimited(history, MAX_HISTORY_BYTES, 'training history', runDir).toString('utf8');
    const keep: string[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let e: { step?: unknown };
      try {
        e = JSON.parse(line) as { step?: unknown };
      } catch {
        continue; // cut short by a kill
      }
      if (typeof e.step === 'number' && e.step > step) continue;
      keep.push(line);
    }
    const kept = keep.length > 0 ? keep.join('\n') + '\n' : '';
    if (kept !== text) {
      writeFileAtomic(history, kept);
      did.push(HISTORY_FILE);
    }
  }
  return did;
}

/** True when `path` is a symbolic link (existsSync follows links, so a dangling one looks missing). */
function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The run's model.safetensors is best/'s (a hard link, or a copy with equal bytes in a copied run). */
function sameWeights(runDir: string, top: string, best: string): boolean {
  let st: Stats;
  try {
    st = lstatSync(top);
  } catch {
    return false;
  }
  if (!st.isFile()) return false;
  if (st.ino === statSync(best).ino) return true;
  if (st.size !== statSync(best).size) return false;
  const limit = st.size;
  return readFileLimited(top, limit, 'weights file', runDir).equals(
    readFileLimited(best, limit, 'weights file', runDir),
  );
}

/**
 * Creates a new run directory whole (src/util/atomic-dir.ts): `fill` writes its files into a
 * temporary sibling, which is then renamed to `dir` (an empty existing `dir` is replaced). A kill
 * before the rename leaves no run, and the temporary sibling is removed by the next attempt. With
 * `lock`, the run appears already locked by this process (see lockRun).
 */
export function createRunDir(dir: string, fill: (tmp: string) => void, lock = false): void {
  const where = newRunPlace(dir);
  mkdirSync(dirname(where), { recursive: true });
  const real = join(realpathSync(dirname(where)), basename(where));
  createDirWhole(where, (tmp) => {
    if (lock) writeLock(join(tmp, LOCK_FILE), real);
    fill(tmp);
  });
  if (lock) holdLock(dir, real);
}

/**
 * Where a new run named `dir` goes: `dir` itself, or, when `dir` is a symbolic link to a directory,
 * that directory (the link stays). InputError when `dir` cannot hold a new run: a file, a link to
 * nothing, a directory that already holds a run or anything else.
 */
export function newRunPlace(dir: string): string {
  let where = resolve(dir);
  if (isLink(dir)) {
    try {
      where = realpathSync(dir);
    } catch {
      throw new InputError(`${dir}: a symbolic link to ${readlinkSync(dir)}, which does not exist`);
    }
  }
  if (!existsSync(where)) return where;
  if (!statSync(where).isDirectory()) throw new InputError(`${dir}: exists and is not a directory`);
  if (existsSync(join(where, CONFIG_FILE))) {
    throw new InputError(`${dir}: already holds a run (continue it with --resume ${dir}, or choose another --out)`);
  }
  if (readdirSync(where).length > 0) throw new InputError(`${dir}: directory is not empty (choose another --out)`);
  return where;
}

// ---------------------------------------------------------------------------------------------
// One writer per run. `.lock` holds {"pid","host","run","since"}; it is created with O_EXCL, so of
// two processes starting together exactly one gets it. A lock is stale when its process no longer
// runs on this host, or when its "run" is another directory (the lock was copied along with a run);
// a stale lock is moved aside under a temporary name, checked to be the one found stale (else put
// back), and removed. A lock from another host cannot be checked and counts as held.

interface LockInfo {
  pid: number;
  host: string;
  run: string;
  since: string;
}

/** Locks this process holds: real run path → how many times taken, and the release at exit. */
const held = new Map<string, { count: number; path: string; unregister: () => void }>();

/** Creates the lock file at `path` (O_EXCL: throws EEXIST if there is one) for the run at real path `run`. */
function writeLock(path: string, run: string): void {
  const info: LockInfo = { pid: process.pid, host: hostname(), run, since: new Date().toISOString() };
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, JSON.stringify(info) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Records a lock this process now holds, to be released by unlockRun or at exit. */
function holdLock(runDir: string, real: string): void {
  const path = join(runDir, LOCK_FILE);
  const unregister = registerCleanup(() => removeOwnLock(path, real));
  held.set(real, { count: 1, path, unregister });
}

/** The lock file's text (small, a regular file, not through a link), or null when it cannot be read. */
function readLockText(path: string): string | null {
  try {
    const { fd } = openRegularFile(path, { limit: 4096, within: dirname(path) });
    try {
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, 0);
      return buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

function parseLock(text: string | null): LockInfo | null {
  if (text === null) return null;
  try {
    const d = JSON.parse(text) as Partial<LockInfo>;
    if (typeof d.pid !== 'number' || typeof d.host !== 'string' || typeof d.run !== 'string') return null;
    return { pid: d.pid, host: d.host, run: d.run, since: String(d.since ?? '') };
  } catch {
    return null;
  }
}

function removeOwnLock(path: string, real: string): void {
  const info = parseLock(readLockText(path));
  if (info && info.pid === process.pid && info.run === real && info.host === hostname()) unlinkSync(path);
}

/** A one-line error for a lock file that could not be created. */
function lockError(runDir: string, err: NodeJS.ErrnoException): Error {
  const code = err.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const why = code === 'EROFS' ? 'read-only file system' : 'permission denied';
    return new InputError(
      `${runDir}: cannot write in the run directory (${why}); training writes its checkpoints and history there: ` +
        'make it writable, or copy the run and resume the copy',
    );
  }
  if (code === 'ELOOP') return new InputError(`${join(runDir, LOCK_FILE)}: is a symbolic link; remove it`);
  return new RuntimeFailure(`${runDir}: cannot create the run's lock file ${LOCK_FILE} (${errnoReason(code)})`);
}

/** Sleeps `ms` milliseconds without returning to the event loop (a lock being written). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Moves a stale lock aside and removes it, unless it changed since it was read as `stale` (then it is put back). */
function breakStaleLock(runDir: string, stale: string | null): void {
  const path = join(runDir, LOCK_FILE);
  const aside = join(runDir, `${LOCK_FILE}.tmp-${process.pid}-stale`);
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: another process broke it
  }
  if (readLockText(aside) !== stale) {
    try {
      linkSync(aside, path); // someone's fresh lock: put it back, unless a newer one is there
    } catch {
      /* a newer lock exists */
    }
  }
  rmSync(aside, { force: true });
}

/**
 * Takes the run's lock: one process at a time may write a run (train --resume; a new run is created
 * locked). Taking it again in the same process is allowed. RuntimeFailure (exit 1) naming the
 * holder when another live process has it; InputError when the run directory is not writable.
 */
export function lockRun(runDir: string): void {
  const real = realpathSync(runDir);
  const mine = held.get(real);
  if (mine) {
    mine.count++;
    return;
  }
  const path = join(runDir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeLock(path, real);
      holdLock(runDir, real);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(runDir, err as NodeJS.ErrnoException);
    }
    let text = readLockText(path);
    if (parseLock(text) === null) {
      pause(50); // created but not yet written by its owner?
      text = readLockText(path);
    }
    const info = parseLock(text);
    if (info && info.host !== hostname()) {
      throw new RuntimeFailure(
        `${runDir}: in use by process ${info.pid} on host ${info.host} (since ${info.since}); ` +
          `if that process is gone, remove ${path}`,
      );
    }
    if (info && info.run === real && info.pid !== process.pid && processAlive(info.pid)) {
      throw new RuntimeFailure(
        `${runDir}: in use by process ${info.pid} (since ${info.since}); ` +
          'one process at a time may write a run: wait for it to finish or stop it',
      );
    }
    breakStaleLock(runDir, text);
  }
  throw new RuntimeFailure(`${runDir}: could not take the run's lock ${LOCK_FILE} (other processes keep taking it)`);
}

/** Releases a lock taken by lockRun (when taken as often as released). */
export function unlockRun(runDir: string): void {
  const real = realpathSync(runDir);
  const mine = held.get(real);
  if (!mine || --mine.count > 0) return;
  held.delete(real);
  mine.unregister();
  try {
    removeOwnLock(mine.path, real);
  } catch {
    /* already gone */
  }
}

/** Appends `text` to a run's history.jsonl at `path`: never through a symbolic link, only to a regular file. */
export function appendHistory(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      0o644,
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ELOOP')
      throw new InputError(`${path}: is a symbolic link; a run's history must be a regular file inside the run`);
    throw new RuntimeFailure(`${path}: cannot append to the training history (${errnoReason(e.code)})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new InputError(`${path}: is not a regular file; a run's history must be one`);
    writeSync(fd, text);
  } catch (err) {
    if (err instanceof Seq2SeqError) throw err;
    throw new RuntimeFailure(
      `${path}: cannot append to the training history (${errnoReason((err as NodeJS.ErrnoException).code)})`,
    );
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a checkpoint of `kind` (weights, and the train state when given) as a whole new directory
 * and swaps it in. For 'best' the run's top-level model.safetensors is pointed at the new weights.
 * Returns the checkpoint directory.
 */
export function writeCheckpoint(
  runDir: string,
  kind: CheckpointKind,
  model: Seq2Seq,
  extra: Record<string, unknown>,
  state?: SavedTrainState,
): string {
  const final = writeDirWhole(runDir, kind, (tmp) => {
    writeCheckpointFiles(tmp, model, extra);
    if (state) {
      const sdir = join(tmp, TRAIN_STATE_DIR);
      mkdirSync(sdir);
      writeSafetensors(join(sdir, OPTIMIZER_FILE), state.tensors, { format: 'seq2seq-train-state', version: '1' });
      writeFileAtomic(join(sdir, TRAIN_STATE_FILE), JSON.stringify(state.json) + '\n');
      fsyncDir(sdir);
    }
  });
  if (kind === 'best') publishWeights(runDir, join(final, WEIGHTS_FILE));
  return final;
}

/** config.json ({kind: "checkpoint", model, …extra}) and model.safetensors of `model` into `dir`. */
function writeCheckpointFiles(dir: string, model: Seq2Seq, extra: Record<string, unknown>): void {
  writeFileAtomic(
    join(dir, CONFIG_FILE),
    JSON.stringify(
      { format: CHECKPOINT_FORMAT, version: RUN_SCHEMA_VERSION, kind: 'checkpoint', model: model.config, ...extra },
      null,
      2,
    ) + '\n',
  );
  saveModel(dir, model);
}

/** A checkpoint kept at a validation: checkpoints/step-N/. */
export interface KeptCheckpoint {
  step: number;
  dir: string;
}

/** The kept checkpoints of a run, oldest first (a stranded .step-N.old stands in for a missing step-N/). Reads only. */
export function listKept(runDir: string): KeptCheckpoint[] {
  const kdir = join(runDir, KEPT_DIR);
  let names: string[];
  try {
    names = readdirSync(kdir);
  } catch {
    return [];
  }
  const byStep = new Map<number, string>();
  for (const name of names) {
    let plain = name;
    if (!KEPT_NAME.test(name)) {
      const o = /^\.(step-\d+)\.old$/.exec(name);
      if (!o || names.includes(o[1])) continue; // not a kept checkpoint, or step-N/ exists (the .old is garbage)
      plain = o[1];
    }
    if (existsSync(join(kdir, name, CONFIG_FILE))) byStep.set(Number(KEPT_NAME.exec(plain)![1]), join(kdir, name));
  }
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([step, dir]) => ({ step, dir }));
}

/**
 * Keeps the model as checkpoints/step-<step>/ (config.json with `extra`, e.g. the validation
 * scores, + model.safetensors), then removes the oldest beyond the newest `keep`: each is renamed
 * to a temporary name first, so a kill leaves whole step directories and removable temporaries.
 */
export function writeKeptCheckpoint(
  runDir: string,
  step: number,
  model: Seq2Seq,
  extra: Record<string, unknown>,
  keep: number,
): string {
  const kdir = join(runDir, KEPT_DIR);
  mkdirSync(kdir, { recursive: true });
  removeStaleTemps(kdir);
  const final = writeDirWhole(kdir, keptName(step), (tmp) => writeCheckpointFiles(tmp, model, { step, ...extra }));
  const kept = listKept(runDir);
  for (const k of kept.slice(0, Math.max(0, kept.length - keep))) discardDir(k.dir);
  return final;
}

/**
 * --resume: kept checkpoints' stranded .old put back, temporaries of killed processes removed, those
 * newer than `step` removed.
 */
function repairKept(runDir: string, step: number): string[] {
  const kdir = join(runDir, KEPT_DIR);
  if (!existsSync(kdir)) return [];
  const did = removeStaleTemps(kdir).map((n) => `${KEPT_DIR}/${n}`);
  for (const name of readdirSync(kdir)) {
    const m = /^\.(step-\d+)\.old$/.exec(name);
    if (m) {
      recoverDir(kdir, m[1]);
      did.push(`${KEPT_DIR}/${name}`);
    }
  }
  for (const k of listKept(runDir)) {
    if (k.step > step) {
      discardDir(k.dir);
      did.push(`${KEPT_DIR}/${basename(k.dir)}`);
    }
  }
  return did;
}

/** runDir/model.safetensors ← weights, atomically (hard link where possible, else a copy). */
function publishWeights(runDir: string, weights: string): void {
  const target = join(runDir, WEIGHTS_FILE);
  const tmp = join(runDir, `.${WEIGHTS_FILE}.tmp-${process.pid}`);
  rmSync(tmp, { force: true });
  try {
    linkSync(weights, tmp);
  } catch {
    copyFileSync(weights, tmp);
  }
  crashPoint('checkpoint.publish');
  renameSync(tmp, target);
  fsyncDir(runDir);
}

/**
 * Reads last/train-state/ (InputError naming the file when missing or broken). With `repair`
 * (resume, the writer) a stranded .last.old is put back first; without it nothing is changed.
 */
export function readTrainState(runDir: string, repair = true): SavedTrainState {
  if (repair) recoverCheckpoint(runDir, 'last');
  const sdir = join(repair ? join(runDir, 'last') : readableCheckpoint(runDir, 'last'), TRAIN_STATE_DIR);
  const jsonPath = join(sdir, TRAIN_STATE_FILE);
  if (!existsSync(jsonPath)) throw new InputError(`${jsonPath}: file not found (the run has no resumable checkpoint)`);
  const json = readJsonFile(jsonPath, 'train state', MAX_CONFIG_BYTES, runDir);
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new InputError(`${jsonPath}: expected a JSON object`);
  const optimizer = join(sdir, OPTIMIZER_FILE);
  const { tensors } = readSafetensors(optimizer, runDir);
  for (const [name, t] of tensors) checkFinite(optimizer, name, t.data);
  return {
    json: json as Record<string, unknown>,
    tensors: [...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
  };
}

/** The checkpoint directory to load: best/ by default (falling back to last/, then the run directory). Reads only. */
export function checkpointDir(dir: string, which?: CheckpointKind): string {
  if (which) {
    const d = readableCheckpoint(dir, which);
    if (!existsSync(join(d, WEIGHTS_FILE)))
      throw new InputError(`${join(dir, which, WEIGHTS_FILE)}: file not found (no '${which}' checkpoint in this run)`);
    return d;
  }
  for (const k of ['best', 'last'] as const) {
    const d = readableCheckpoint(dir, k);
    if (existsSync(join(d, WEIGHTS_FILE))) return d;
  }
  if (existsSync(join(dir, WEIGHTS_FILE))) return dir;
  throw new InputError(`${join(dir, WEIGHTS_FILE)}: file not found (the run has no checkpoint yet)`);
}

/**
 * Loads a trained run: its config, tokenizers and the weights of `which` checkpoint (default: best,
 * else last). `dir` may also be a checkpoint directory inside a run (runs/x/last). Every problem is
 * an InputError naming the file.
 */
export function loadRun(dir: string, which?: CheckpointKind): LoadedRun {
  let runDir = dir;
  let ckpt: string | null = null;
  if (!existsSync(join(dir, CONFIG_FILE)) || isCheckpointConfig(join(dir, CONFIG_FILE))) {
    // runs/x/best (or runs/x/averaged) given directly: the run is its parent;
    // runs/x/checkpoints/step-N: the run is its grandparent.
    const parent = dirname(dir);
    const grand = basename(parent) === KEPT_DIR ? dirname(parent) : null;
    if (existsSync(join(dir, WEIGHTS_FILE)) && existsSync(join(parent, CONFIG_FILE))) {
      runDir = parent;
      ckpt = dir;
    } else if (grand !== null && existsSync(join(dir, WEIGHTS_FILE)) && existsSync(join(grand, CONFIG_FILE))) {
      runDir = grand;
      ckpt = dir;
    }
  }
  const config = readRunConfig(runDir);
  const srcTokenizer = Tokenizer.load(join(runDir, config.tokenizers.src));
  const tgtTokenizer =
    config.tokenizers.tgt === config.tokenizers.src
      ? srcTokenizer
      : Tokenizer.load(join(runDir, config.tokenizers.tgt));
  ckpt ??= checkpointDir(runDir, which);
  let model: Seq2Seq;
  try {
    model = loadModel(ckpt, runDir);
  } catch (err) {
    if (err instanceof Seq2SeqError) throw new InputError(err.message);
    throw new InputError(`${join(ckpt, WEIGHTS_FILE)}: cannot load (${(err as Error).message})`);
  }
  if (model.srcVocabSize !== srcTokenizer.vocabSize) {
    throw new InputError(
      `${join(runDir, config.tokenizers.src)}: ${srcTokenizer.vocabSize} tokens, ` +
        `but the model in ${basename(ckpt)} has a source vocabulary of ${model.srcVocabSize}`,
    );
  }
  if (model.tgtVocabSize !== tgtTokenizer.vocabSize) {
    throw new InputError(
      `${join(runDir, config.tokenizers.tgt)}: ${tgtTokenizer.vocabSize} tokens, ` +
        `but the model in ${basename(ckpt)} has a target vocabulary of ${model.tgtVocabSize}`,
    );
  }
  return { dir: runDir, model, config, srcTokenizer, tgtTokenizer, checkpoint: ckpt };
}

function isCheckpointConfig(path: string): boolean {
  try {
    return (readJsonFile(path, 'checkpoint config') as { kind?: unknown } | null)?.kind === 'checkpoint';
  } catch {
    return false;
  }
}
