/**
 * Checkpoint averaging (as in Marian, OpenNMT and Joey NMT): the parameters of several kept
 * checkpoints of one run (checkpoints/step-N/, written with keepCheckpoints > 0) averaged element
 * by element,
 *   θ̄ = (1/k) Σᵢ θᵢ        (accumulated in float64, stored as float32)
 * which often translates better than any single one of them. Every checkpoint must have the same
 * model config and the same tensor names and shapes; any difference is an InputError naming the
 * file and the problem; so is a NaN or an infinity in any of them (checkFinite). The result is
 * written whole, like best/ (src/util/atomic-dir.ts writeDirWhole): an error or a kill leaves the
 * previous averaged/ or none, and no temporary directory once the next average has run.
 */
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { readJsonFile } from '../util/json-file.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CONFIG_FILE, WEIGHTS_FILE, loadModel } from './checkpoint.js';
import { writeDirWhole } from '../util/atomic-dir.js';
import { AVERAGED_DIR, KEPT_DIR, RUN_SCHEMA_VERSION, TRAIN_STATE_DIR, createRunDir, listKept } from './run-dir.js';
import { readRunConfig, type KeptCheckpoint } from './run-dir.js';
import { checkFinite, readSafetensors, writeSafetensors, type TensorEntry } from './safetensors.js';

/** Which kept checkpoints: the newest n, or the n with the highest validation BLEU. */
export type Selection = { by: 'last' | 'best'; n: number };

export interface KeptInfo extends KeptCheckpoint {
  /** Validation BLEU recorded beside the weights (null when the config has none). */
  bleu: number | null;
}

export interface AverageResult {
  steps: number[];
  out: string;
  /** 'checkpoint': a directory inside the run (load it as --model RUN/NAME); 'run': a standalone run directory. */
  form: 'checkpoint' | 'run';
}

/** Names inside a run that `average --out` must not replace. */
const RESERVED = new Set(['best', 'last', KEPT_DIR, TRAIN_STATE_DIR]);

/** The kept checkpoints with their recorded validation BLEU, oldest first. */
export function keptWithScores(runDir: string): KeptInfo[] {
  return listKept(runDir).map((k) => {
    const doc = readJsonFile(join(k.dir, CONFIG_FILE), 'checkpoint config') as {
      validation?: { bleu?: unknown };
    } | null;
    const bleu = doc?.validation?.bleu;
    return { ...k, bleu: typeof bleu === 'number' && Number.isFinite(bleu) ? bleu : null };
  });
}

/** Chooses the checkpoints to average (oldest first); InputError when there is none. */
export function selectKept(runDir: string, sel: Selection): KeptInfo[] {
  const kept = keptWithScores(runDir);
  if (kept.length === 0)
    throw new InputError(
      `${join(runDir, KEPT_DIR)}: no kept checkpoints (train with --keep-checkpoints N to keep the weights of the ` +
        `newest N validations)`,
    );
  if (sel.by === 'last') return kept.slice(-sel.n);
  const unscored = kept.find((k) => k.bleu === null);
  if (unscored)
    throw new InputError(
      `${join(unscored.dir, CONFIG_FILE)}: no validation BLEU recorded (--best needs it; use --last)`,
    );
  // Highest BLEU first; on a tie the newer step.
  const chosen = [...kept].sort((a, b) => b.bleu! - a.bleu! || b.step - a.step).slice(0, sel.n);
  return chosen.sort((a, b) => a.step - b.step);
}

/** Canonical JSON (sorted keys) for comparing configs. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The first key whose value differs between two model configs, for the message. */
function firstDifference(a: Record<string, unknown>, b: Record<string, unknown>): string {
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (canonical(a[k]) !== canonical(b[k]))
      return `${k} ${JSON.stringify(b[k]) ?? 'missing'}, but ${JSON.stringify(a[k]) ?? 'missing'} in`;
  }
  return 'differs from';
}

/**
 * The element-wise mean of the weights in `dirs` (each a checkpoint directory: config.json +
 * model.safetensors), in the first one's tensor order. Checks that every config's model section and
 * every tensor name and shape agree with the first; the first is also loaded as a model, so the
 * result is known to fit its config. With `within` (the run), every file must stay inside it.
 */
export function averageWeights(dirs: string[], within?: string): TensorEntry[] {
  if (dirs.length === 0) throw new InputError('nothing to average');
  const first = dirs[0];
  loadModel(first, within); // config and weights agree (InputError naming the file otherwise)
  const firstModel = modelSection(first);
  const base = readSafetensors(join(first, WEIGHTS_FILE), within).tensors;
  const names = [...base.keys()];
  const sums = new Map<string, Float64Array>();
  for (const [name, t] of base) sums.set(name, Float64Array.from(t.data));
  const firstWeights = join(first, WEIGHTS_FILE);
  for (const dir of dirs.slice(1)) {
    const m = modelSection(dir);
    if (canonical(m) !== canonical(firstModel))
      throw new InputError(
        `${join(dir, CONFIG_FILE)}: model ${firstDifference(firstModel, m)} ${join(first, CONFIG_FILE)}`,
      );
    const path = join(dir, WEIGHTS_FILE);
    const { tensors } = readSafetensors(path, within);
    for (const name of names) {
      const t = tensors.get(name);
      const want = base.get(name)!.shape;
      if (!t) throw new InputError(`${path}: tensor ${name} is missing (${firstWeights} has it)`);
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i]))
        throw new InputError(`${path}: tensor ${name} has shape [${t.shape}], but [${want}] in ${firstWeights}`);
      checkFinite(path, name, t.data);
      const acc = sums.get(name)!;
      for (let i = 0; i < acc.length; i++) acc[i] += t.data[i];
    }
    for (const name of tensors.keys())
      if (!base.has(name)) throw new InputError(`${path}: unexpected tensor ${name} (not in ${firstWeights})`);
  }
  const k = dirs.length;
  return names.map((name) => {
    const acc = sums.get(name)!;
    const data = new Float32Array(acc.length);
    for (let i = 0; i < acc.length; i++) data[i] = acc[i] / k;
    return { name, shape: base.get(name)!.shape, data };
  });
}

function modelSection(dir: string): Record<string, unknown> {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) throw new InputError(`${path}: file not found (not a checkpoint directory)`);
  const doc = readJsonFile(path, 'checkpoint config') as { model?: unknown } | null;
  if (!doc || typeof doc !== 'object' || !doc.model || typeof doc.model !== 'object' || Array.isArray(doc.model))
    throw new InputError(`${path}: no "model" section`);
  return doc.model as Record<string, unknown>;
}

/** Writes config.json ({kind: "checkpoint", model, step, averaged}) and model.safetensors into `dir`. */
function writeAveraged(
  dir: string,
  model: Record<string, unknown>,
  tensors: TensorEntry[],
  averaged: Record<string, unknown>,
  kind: 'checkpoint' | 'run',
  extra: Record<string, unknown> = {},
): void {
  writeSafetensors(join(dir, WEIGHTS_FILE), tensors, {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    config: JSON.stringify(model),
  });
  const doc = { format: CHECKPOINT_FORMAT, version: RUN_SCHEMA_VERSION, kind, model, ...extra, averaged };
  writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(doc, null, 2) + '\n'); // last, like saveModel
}

/**
 * Averages the chosen kept checkpoints of `runDir` and writes the result to `out` (default
 * RUN/averaged/). A directory directly inside the run becomes a checkpoint directory like best/
 * (`--model RUN/averaged` loads it with the run's tokenizers); anywhere else, a standalone run
 * directory is created (config, tokenizers, model.safetensors; it cannot be resumed).
 */
export function averageRun(runDir: string, sel: Selection, out?: string): AverageResult {
  const cfg = readRunConfig(runDir);
  // Where it goes is checked first, before any weights are read.
  const target = resolve(out ?? join(runDir, AVERAGED_DIR));
  const name = basename(target);
  const inside = dirname(target) === resolve(runDir);
  if (inside) {
    const existing = join(runDir, name);
    // Only a new name or an earlier average may be replaced, never the run's own files.
    const replaceable =
      !existsSync(existing) ||
      (statSync(existing).isDirectory() && (readdirSync(existing).length === 0 || isAveraged(existing)));
    if (RESERVED.has(name) || name.startsWith('.') || !replaceable)
      throw new InputError(`--out: ${existing} is part of the run; choose another name`);
  } else if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new InputError(`${out}: exists and is not a directory`);
    if (readdirSync(target).length > 0) throw new InputError(`${out}: directory is not empty (choose another --out)`);
  }
  const chosen = selectKept(runDir, sel);
  const tensors = averageWeights(
    chosen.map((k) => k.dir),
    runDir,
  );
  const model = modelSection(chosen[0].dir);
  const steps = chosen.map((k) => k.step);
  const averaged = { steps, selection: `${sel.by} ${sel.n}`, validationBleu: chosen.map((k) => k.bleu) };
  if (inside) {
    writeDirWhole(runDir, name, (tmp) =>
      writeAveraged(tmp, model, tensors, averaged, 'checkpoint', { step: steps[steps.length - 1] }),
    );
    return { steps, out: out ?? join(runDir, AVERAGED_DIR), form: 'checkpoint' };
  }
  createRunDir(target, (tmp) => {
    for (const f of new Set([cfg.tokenizers.src, cfg.tokenizers.tgt])) copyFileSync(join(runDir, f), join(tmp, f));
    writeAveraged(tmp, model, tensors, { ...averaged, run: resolve(runDir) }, 'run', {
      training: {},
      tokenizers: cfg.tokenizers,
    });
  });
  return { steps, out: out ?? target, form: 'run' };
}

function isAveraged(dir: string): boolean {
  try {
    const doc = readJsonFile(join(dir, CONFIG_FILE), 'checkpoint config') as { averaged?: unknown } | null;
    return doc !== null && typeof doc === 'object' && doc.averaged !== undefined;
  } catch {
    return false;
  }
}
