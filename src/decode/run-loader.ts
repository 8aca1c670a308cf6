/**
 * Loads trained runs for decoding through the run-directory reader (src/model/run-dir.ts,
 * `loadRun`), adding the model's source length limit (config maxSourceLength) for cropping.
 * Several runs (or checkpoints: runs/x/best, runs/x/checkpoints/step-N) load as one ensemble
 * (src/model/ensemble.ts) when their source and target tokenizers are identical.
 * A loaded model only decodes, so it is prepared for it (Seq2SeqModel.prepareForDecoding: the step weights
 * packed once), with the opt-in approximations asked for (a lower-precision output layer, the run's shortlist).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { EnsembleModel } from '../model/ensemble.js';
import type { OutputPrecision } from '../model/output-layer.js';
import { loadRun, type LoadedRun } from '../model/run-dir.js';
import { Shortlist } from '../model/shortlist.js';
import type { DecodingOptions, Seq2SeqModel } from '../model/types.js';
import { readJsonFile } from '../util/json-file.js';
import type { TextCodec } from './translator.js';

/** The shortlist a run keeps (`seq2seq shortlist`), beside its tokenizers. */
export const SHORTLIST_FILE = 'shortlist.json';
/** Largest shortlist.json (50 targets for each of 100,000 source tokens need about 30 MB). */
const MAX_SHORTLIST_BYTES = 128 << 20;

/** The opt-in fast modes of decoding (the default, none of them, keeps the exact outputs). */
export interface DecodingChoices {
  /** The output layer's precision (default fp32). */
  precision?: OutputPrecision;
  /** Decode over the shortlist of the (first) run (its shortlist.json). */
  shortlist?: boolean;
}

/** The run's shortlist, checked against the model's vocabularies; InputError naming the file when absent or bad. */
export function readShortlist(runDir: string, model: Seq2SeqModel): Shortlist {
  const path = join(runDir, SHORTLIST_FILE);
  if (!existsSync(path)) {
    const how = `seq2seq shortlist --model ${runDir} --train CORPUS`;
    throw new InputError(`${path}: no shortlist in this run (make one: ${how})`);
  }
  const raw = readJsonFile(path, 'shortlist', MAX_SHORTLIST_BYTES, runDir);
  return Shortlist.fromJSON(raw, path, model.srcVocabSize, model.tgtVocabSize);
}

function decodingOptions(runDir: string, model: Seq2SeqModel, choices: DecodingChoices): DecodingOptions {
  return { precision: choices.precision, shortlist: choices.shortlist ? readShortlist(runDir, model) : null };
}

export interface DecodingRun {
  /** The run directory (the first member's, for an ensemble). */
  dir: string;
  /** The model, or the ensemble of the members when several were given. */
  model: Seq2SeqModel;
  srcTokenizer: TextCodec;
  tgtTokenizer: TextCodec;
  /** The model's source length limit (config maxSourceLength), when known; the smallest of an ensemble's. */
  maxSourceLength?: number;
  /** The run directories of the members, in the order given (one for a single model). */
  members: string[];
}

function sourceLimit(run: LoadedRun): number | undefined {
  const limit = run.config.model?.maxSourceLength;
  return typeof limit === 'number' ? limit : undefined;
}

/** Throws InputError (one line naming the file) on any problem with the run directory. */
export async function loadDecodingRun(dir: string, choices: DecodingChoices = {}): Promise<DecodingRun> {
  const run = loadRun(dir);
  run.model.prepareForDecoding?.(decodingOptions(run.dir, run.model, choices));
  return {
    dir: run.dir,
    model: run.model,
    srcTokenizer: run.srcTokenizer,
    tgtTokenizer: run.tgtTokenizer,
    maxSourceLength: sourceLimit(run),
    members: [run.dir],
  };
}

/**
 * Loads one model (exactly as loadDecodingRun) or, with several directories, their ensemble. Every
 * member must have byte-identical source and target tokenizer files; otherwise an InputError names
 * the two directories. The source length limit is the smallest of the members'; a shortlist is the
 * first member's (the tokenizers being the same).
 */
export async function loadDecodingModels(dirs: readonly string[], choices: DecodingChoices = {}): Promise<DecodingRun> {
  if (dirs.length === 0) throw new InputError('no model given (--model RUN)');
  if (dirs.length === 1) return loadDecodingRun(dirs[0], choices);
  const runs = dirs.map((d) => loadRun(d));
  const bytes = (run: LoadedRun, side: 'src' | 'tgt') => readFileSync(join(run.dir, run.config.tokenizers[side]));
  const first = { src: bytes(runs[0], 'src'), tgt: bytes(runs[0], 'tgt') };
  for (let i = 1; i < runs.length; i++) {
    for (const side of ['src', 'tgt'] as const) {
      if (!bytes(runs[i], side).equals(first[side])) {
        throw new InputError(
          `${dirs[i]}: its ${side === 'src' ? 'source' : 'target'} tokenizer differs from the one of ${dirs[0]} (an ` +
            `ensemble needs identical tokenizers)`,
        );
      }
    }
  }
  const limits = runs.map(sourceLimit).filter((l): l is number => l !== undefined);
  const model = new EnsembleModel(runs.map((r) => r.model));
  model.prepareForDecoding(decodingOptions(runs[0].dir, model, choices));
  return {
    dir: runs[0].dir,
    model,
    srcTokenizer: runs[0].srcTokenizer,
    tgtTokenizer: runs[0].tgtTokenizer,
    maxSourceLength: limits.length > 0 ? Math.min(...limits) : undefined,
    members: runs.map((r) => r.dir),
  };
}
