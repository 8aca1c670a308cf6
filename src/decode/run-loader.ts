/**
 * Loads a trained run for decoding through the run-directory reader (src/model/run-dir.ts,
 * `loadRun`), adding the model's source length limit (config maxSourceLength) for cropping.
 */
import { loadRun } from '../model/run-dir.js';
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

/** Throws InputError (one line naming the file) on any problem with the run directory. */
export async function loadDecodingRun(dir: string): Promise<DecodingRun> {
  const run = loadRun(dir);
  const limit = run.config.model?.maxSourceLength;
  return { dir: run.dir, model: run.model, srcTokenizer: run.srcTokenizer, tgtTokenizer: run.tgtTokenizer, maxSourceLength: typeof limit === 'number' ? limit : undefined };
}
