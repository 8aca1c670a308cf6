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
 *
 * train-state/ lives inside last/ so that weights and optimiser state are always replaced together.
 * A checkpoint directory is written whole under a temporary name, then swapped in by renames
 * (kind → .kind.old, tmp → kind, rm .kind.old): a kill at any point leaves either the complete old
 * or the complete new checkpoint, and recoverCheckpoint() puts a stranded .kind.old back.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, copyFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, Seq2SeqError } from '../errors.js';
import { Tokenizer } from '../text/tokenizer.js';
import { fsyncDir, writeFileAtomic } from '../util/atomic-write.js';
import { CHECKPOINT_FORMAT, CONFIG_FILE, WEIGHTS_FILE, loadModel, saveModel } from './checkpoint.js';
import type { ModelConfig } from './config.js';
import { readSafetensors, writeSafetensors, type TensorEntry } from './safetensors.js';
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

export type CheckpointKind = 'best' | 'last';

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
export function saveTokenizers(dir: string, src: Tokenizer, tgt: Tokenizer, joint: boolean): { src: string; tgt: string } {
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
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${path}: expected a JSON object`);
  const d = doc as Record<string, unknown>;
  if (d.format !== CHECKPOINT_FORMAT) throw new InputError(`${path}: format is ${JSON.stringify(d.format)}, expected "${CHECKPOINT_FORMAT}"`);
  if (typeof d.version !== 'number' || d.version > RUN_SCHEMA_VERSION) throw new InputError(`${path}: unsupported version ${JSON.stringify(d.version)} (this program reads ${RUN_SCHEMA_VERSION})`);
  if (!d.model || typeof d.model !== 'object') throw new InputError(`${path}: no "model" section`);
  const tk = d.tokenizers as { src?: unknown; tgt?: unknown } | undefined;
  const tokenizers = tk && typeof tk.src === 'string' && typeof tk.tgt === 'string' ? { src: tk.src, tgt: tk.tgt } : guessTokenizers(dir, path);
  return { ...(d as object), format: CHECKPOINT_FORMAT, version: d.version, kind: 'run', model: d.model as ModelConfig, training: (d.training as Record<string, unknown>) ?? {}, tokenizers } as RunConfig;
}

function guessTokenizers(dir: string, configPath: string): { src: string; tgt: string } {
  if (existsSync(join(dir, JOINT_TOKENIZER_FILE))) return { src: JOINT_TOKENIZER_FILE, tgt: JOINT_TOKENIZER_FILE };
  if (existsSync(join(dir, SRC_TOKENIZER_FILE))) return { src: SRC_TOKENIZER_FILE, tgt: TGT_TOKENIZER_FILE };
  throw new InputError(`${configPath}: no "tokenizers" entry and no ${JOINT_TOKENIZER_FILE} or ${SRC_TOKENIZER_FILE} beside it`);
}

/** Puts back a checkpoint stranded by a kill between the two renames of a swap. */
export function recoverCheckpoint(runDir: string, kind: CheckpointKind): void {
  const dir = join(runDir, kind);
  const old = join(runDir, `.${kind}.old`);
  if (!existsSync(dir) && existsSync(old)) renameSync(old, dir);
  else if (existsSync(dir) && existsSync(old)) rmSync(old, { recursive: true, force: true });
}

/**
 * Writes a checkpoint of `kind` (weights, and the train state when given) as a whole new directory
 * and swaps it in. For 'best' the run's top-level model.safetensors is pointed at the new weights.
 * Returns the checkpoint directory.
 */
export function writeCheckpoint(runDir: string, kind: CheckpointKind, model: Seq2Seq, extra: Record<string, unknown>, state?: SavedTrainState): string {
  recoverCheckpoint(runDir, kind);
  const final = join(runDir, kind);
  const tmp = join(runDir, `.${kind}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileAtomic(join(tmp, CONFIG_FILE), JSON.stringify({ format: CHECKPOINT_FORMAT, version: RUN_SCHEMA_VERSION, kind: 'checkpoint', model: model.config, ...extra }, null, 2) + '\n');
  saveModel(tmp, model);
  if (state) {
    const sdir = join(tmp, TRAIN_STATE_DIR);
    mkdirSync(sdir);
    writeSafetensors(join(sdir, OPTIMIZER_FILE), state.tensors, { format: 'seq2seq-train-state', version: '1' });
    writeFileAtomic(join(sdir, TRAIN_STATE_FILE), JSON.stringify(state.json) + '\n');
  }
  fsyncDir(tmp);
  const old = join(runDir, `.${kind}.old`);
  if (existsSync(final)) renameSync(final, old);
  renameSync(tmp, final);
  fsyncDir(runDir);
  rmSync(old, { recursive: true, force: true });
  if (kind === 'best') publishWeights(runDir, join(final, WEIGHTS_FILE));
  return final;
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
  renameSync(tmp, target);
}

/** Reads last/train-state/ (InputError naming the file when missing or broken). */
export function readTrainState(runDir: string): SavedTrainState {
  recoverCheckpoint(runDir, 'last');
  const sdir = join(runDir, 'last', TRAIN_STATE_DIR);
  const jsonPath = join(sdir, TRAIN_STATE_FILE);
  if (!existsSync(jsonPath)) throw new InputError(`${jsonPath}: file not found (the run has no resumable checkpoint)`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`${jsonPath}: not valid JSON (${(err as Error).message})`);
  }
  const { tensors } = readSafetensors(join(sdir, OPTIMIZER_FILE));
  return { json, tensors: [...tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })) };
}

/** The checkpoint directory to load: best/ by default (falling back to last/, then the run directory). */
export function checkpointDir(dir: string, which?: CheckpointKind): string {
  if (which) {
    recoverCheckpoint(dir, which);
    const d = join(dir, which);
    if (!existsSync(join(d, WEIGHTS_FILE))) throw new InputError(`${join(d, WEIGHTS_FILE)}: file not found (no '${which}' checkpoint in this run)`);
    return d;
  }
  for (const k of ['best', 'last'] as const) {
    recoverCheckpoint(dir, k);
    if (existsSync(join(dir, k, WEIGHTS_FILE))) return join(dir, k);
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
    // runs/x/best given directly: the run is its parent.
    const parent = dirname(dir);
    if (existsSync(join(dir, WEIGHTS_FILE)) && existsSync(join(parent, CONFIG_FILE))) {
      runDir = parent;
      ckpt = dir;
    }
  }
  const config = readRunConfig(runDir);
  const srcTokenizer = Tokenizer.load(join(runDir, config.tokenizers.src));
  const tgtTokenizer = config.tokenizers.tgt === config.tokenizers.src ? srcTokenizer : Tokenizer.load(join(runDir, config.tokenizers.tgt));
  ckpt ??= checkpointDir(runDir, which);
  let model: Seq2Seq;
  try {
    model = ckpt === runDir ? loadModel(runDir) : loadModel(ckpt);
  } catch (err) {
    if (err instanceof Seq2SeqError) throw new InputError(err.message);
    throw new InputError(`${join(ckpt, WEIGHTS_FILE)}: cannot load (${(err as Error).message})`);
  }
  if (model.srcVocabSize !== srcTokenizer.vocabSize) {
    throw new InputError(`${join(runDir, config.tokenizers.src)}: ${srcTokenizer.vocabSize} tokens, but the model in ${basename(ckpt)} has a source vocabulary of ${model.srcVocabSize}`);
  }
  if (model.tgtVocabSize !== tgtTokenizer.vocabSize) {
    throw new InputError(`${join(runDir, config.tokenizers.tgt)}: ${tgtTokenizer.vocabSize} tokens, but the model in ${basename(ckpt)} has a target vocabulary of ${model.tgtVocabSize}`);
  }
  return { dir: runDir, model, config, srcTokenizer, tgtTokenizer, checkpoint: ckpt };
}

function isCheckpointConfig(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { kind?: unknown }).kind === 'checkpoint';
  } catch {
    return false;
  }
}
