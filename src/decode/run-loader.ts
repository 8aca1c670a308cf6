/**
 * Loads a trained run for decoding. The run-directory reader belongs to the trainer
 * (src/model/run-dir.ts, `loadRun(dir)`); when it is not part of this build yet, the fallback here
 * reads the layout of docs/DESIGN.md §4 directly: the checkpoint in best/ (else last/, else the
 * directory itself: config.json + model.safetensors) and tokenizer.src.json + tokenizer.tgt.json
 * (or one joint tokenizer.json).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { Seq2SeqModel } from '../model/types.js';
import type { TextCodec } from './translator.js';

export interface DecodingRun {
  dir: string;
  model: Seq2SeqModel;
  srcTokenizer: TextCodec;
  tgtTokenizer: TextCodec;
  /** The model's source length limit (config maxSourceLength), when known. */
  maxSourceLength?: number;
}

interface RunDirModule {
  loadRun(dir: string): { dir: string; model: Seq2SeqModel; srcTokenizer: TextCodec; tgtTokenizer: TextCodec; config?: unknown };
}

function modelLimit(model: Seq2SeqModel, config?: unknown): number | undefined {
  const fromModel = (model as { config?: { maxSourceLength?: unknown } }).config?.maxSourceLength;
  if (typeof fromModel === 'number') return fromModel;
  const c = config as { model?: { maxSourceLength?: unknown }; maxSourceLength?: unknown } | undefined;
  const v = c?.model?.maxSourceLength ?? c?.maxSourceLength;
  return typeof v === 'number' ? v : undefined;
}

async function runDirModule(): Promise<RunDirModule | null> {
  const spec = '../model/run-dir.js'; // not a literal: the module may not exist in this build
  try {
    const mod = (await import(spec)) as Partial<RunDirModule>;
    return typeof mod.loadRun === 'function' ? (mod as RunDirModule) : null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if ((e.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url|does not exist/i.test(e.message)) && /run-dir/.test(e.message)) return null;
    throw err;
  }
}

export async function loadDecodingRun(dir: string): Promise<DecodingRun> {
  if (!existsSync(dir)) throw new InputError(`${dir}: run directory not found`);
  if (!statSync(dir).isDirectory()) throw new InputError(`${dir}: not a directory (expected a trained run)`);
  const mod = await runDirModule();
  if (mod) {
    const run = mod.loadRun(dir);
    return { dir: run.dir, model: run.model, srcTokenizer: run.srcTokenizer, tgtTokenizer: run.tgtTokenizer, maxSourceLength: modelLimit(run.model, run.config) };
  }
  const { loadModel, WEIGHTS_FILE } = await import('../model/checkpoint.js');
  const { Tokenizer } = await import('../text/tokenizer.js');
  const ckpt = [join(dir, 'best'), join(dir, 'last'), dir].find((d) => existsSync(join(d, WEIGHTS_FILE)));
  if (!ckpt) throw new InputError(`${dir}: no ${WEIGHTS_FILE} in best/, last/ or the directory itself (not a trained run?)`);
  const model = loadModel(ckpt);
  const joint = join(dir, 'tokenizer.json');
  const srcPath = join(dir, 'tokenizer.src.json');
  const tgtPath = join(dir, 'tokenizer.tgt.json');
  let srcTokenizer: TextCodec;
  let tgtTokenizer: TextCodec;
  if (existsSync(srcPath) || existsSync(tgtPath) || !existsSync(joint)) {
    if (!existsSync(srcPath)) throw new InputError(`${srcPath}: file not found (the run's source tokenizer)`);
    if (!existsSync(tgtPath)) throw new InputError(`${tgtPath}: file not found (the run's target tokenizer)`);
    srcTokenizer = Tokenizer.load(srcPath);
    tgtTokenizer = Tokenizer.load(tgtPath);
  } else {
    srcTokenizer = tgtTokenizer = Tokenizer.load(joint);
  }
  return { dir, model, srcTokenizer, tgtTokenizer, maxSourceLength: modelLimit(model) };
}
