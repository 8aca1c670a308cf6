/**
 * Model checkpoints: a directory with
 *   config.json        { "format": "seq2seq", "version": 1, "model": <ModelConfig>, …other keys kept }
 *   model.safetensors  every parameter, float32, PyTorch-style names, __metadata__ naming the format
 * Each file is written atomically (temp file + rename, via ./safetensors.ts and util/atomic-write);
 * the weights are written first, then the config. Loading validates the config (zod) and checks
 * every tensor's name, shape and dtype against it: InputError naming the file and the tensor.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { MAX_CONFIG_BYTES, oneLine, readJsonFile } from '../util/json-file.js';
import { Rng } from '../util/rng.js';
import { parameterCount, parseModelConfig } from './config.js';
import { checkFinite, countSafetensorsNumbers, readSafetensors, writeSafetensors } from './safetensors.js';
import { Seq2Seq } from './seq2seq.js';

export const CHECKPOINT_FORMAT = 'seq2seq';
export const CHECKPOINT_VERSION = 1;
export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
/** Parameters a config may need beyond what its weights file holds and still be built (8 MB with gradients). */
const LOAD_SLACK = 1 << 20;

/** Writes config.json (keeping any other top-level keys an existing one has) and model.safetensors. */
export function saveModel(dir: string, model: Seq2Seq): void {
  mkdirSync(dir, { recursive: true });
  const tensors = model.params.map((p) => ({
    name: p.name,
    shape: p.shape,
    data: p.value instanceof Float32Array ? p.value : Float32Array.from(p.value),
  }));
  writeSafetensors(join(dir, WEIGHTS_FILE), tensors, {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    config: JSON.stringify(model.config),
  });
  const configPath = join(dir, CONFIG_FILE);
  let doc: Record<string, unknown> = {};
  if (existsSync(configPath)) {
    try {
      const old = readJsonFile(configPath, 'model config');
      if (old && typeof old === 'object' && !Array.isArray(old)) doc = old as Record<string, unknown>;
    } catch {
      /* an unreadable old config is replaced */
    }
  }
  doc = { ...doc, format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, model: model.config };
  writeFileAtomic(configPath, JSON.stringify(doc, null, 2) + '\n');
}

/** Reads and validates <dir>/config.json's model section (inside `within`, a run directory, if given). */
export function loadModelConfig(dir: string, within?: string) {
  const configPath = join(dir, CONFIG_FILE);
  if (!existsSync(dir)) throw new InputError(`${dir}: model directory not found`);
  if (!existsSync(configPath)) throw new InputError(`${configPath}: file not found (not a model directory?)`);
  const doc = readJsonFile(configPath, 'model config', MAX_CONFIG_BYTES, within);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new InputError(`${configPath}: expected a JSON object`);
  const d = doc as Record<string, unknown>;
  if (d.format !== undefined && d.format !== CHECKPOINT_FORMAT)
    throw new InputError(
      `${configPath}: format ${oneLine(JSON.stringify(d.format) ?? '', 60)} is not '${CHECKPOINT_FORMAT}'`,
    );
  if (typeof d.version === 'number' && d.version > CHECKPOINT_VERSION)
    throw new InputError(
      `${configPath}: version ${d.version} is newer than this program supports (${CHECKPOINT_VERSION})`,
    );
  if (d.model === undefined) throw new InputError(`${configPath}: no "model" section`);
  return parseModelConfig(d.model, `${configPath}: model`);
}

/**
 * Loads a model saved by saveModel; every tensor must match the config exactly. With `within` (the
 * run directory), both files must stay inside it (src/util/regular-file.ts).
 */
export function loadModel(dir: string, within?: string): Seq2Seq {
  const config = loadModelConfig(dir, within);
  const path = join(dir, WEIGHTS_FILE);
  // The weights file's header is read first: a config (its sizes already bounded) that needs more
  // numbers than the file holds is refused before anything is allocated for it, in milliseconds
  // whatever the config claims (hiddenSize 8192 with 8 layers asks for 4 GB). A small excess is
  // let through, so that the tensor-by-tensor check below can name the missing or misshaped tensor.
  const held = countSafetensorsNumbers(path, within);
  const needed = parameterCount(config);
  if (needed > held + LOAD_SLACK) {
    const config = join(dir, CONFIG_FILE);
    throw new InputError(`${path}: holds ${held} numbers, but the model ${config} describes has ${needed} parameters`);
  }
  const { tensors } = readSafetensors(path, within);
  const model = new Seq2Seq(config, new Rng(1), false);
  const expected = new Set<string>();
  for (const p of model.params) {
    expected.add(p.name);
    const t = tensors.get(p.name);
    if (!t) throw new InputError(`${path}: tensor ${p.name} is missing (the config needs shape [${p.shape}])`);
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new InputError(`${path}: tensor ${p.name} has shape [${t.shape}], the config needs [${p.shape}]`);
    }
    checkFinite(path, p.name, t.data);
    p.value.set(t.data);
  }
  for (const name of tensors.keys())
    if (!expected.has(name))
      throw new InputError(`${path}: unexpected tensor ${name} (not in the model the config describes)`);
  return model;
}
