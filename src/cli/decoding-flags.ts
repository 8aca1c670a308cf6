/**
 * The decoding options of `translate`, `eval` and `serve`, declared, defaulted, documented and read in this one
 * place, so that the three commands search the same way for the same flags (eval scores what translate prints):
 *   the search: --beam, --length-penalty, --max-length-ratio, --max-length-constant, --replace-unk, whose
 *     defaults are the core's (TRANSLATE_DEFAULTS, src/decode/translator.ts);
 *   the opt-in fast modes, exact outputs traded for speed: --precision of the output layer and --shortlist
 *     (the run's shortlist.json).
 * docs/evaluation.md ("Decoding options") lists them.
 * A bad value is one line naming the option (InputError, exit 2): "--beam must be an integer ≥ 1, got 'x'".
 * Options of one command only (translate's --n-best and --batch-size, serve's --max-batch …) stay in it.
 */
import type { Command } from 'commander';
import type { DecodingChoices } from '../decode/run-loader.js';
import { TRANSLATE_DEFAULTS, type TranslateOptions } from '../decode/translator.js';
import { InputError } from '../errors.js';
import { OUTPUT_PRECISIONS, type OutputPrecision } from '../model/output-layer.js';
import { SIZE_LIMITS } from '../model/size-limits.js';
import { integerFlag, numberFlag } from './option-values.js';

/** The flags as commander hands them over (strings until read). */
export interface DecodingFlags {
  beam: string;
  lengthPenalty: string;
  maxLengthRatio: string;
  maxLengthConstant: string;
  replaceUnk?: boolean;
  precision: string;
  shortlist?: boolean;
}

/** How every sentence is searched: the Translator's options that are the same for all three commands. */
export type SearchSettings = Pick<
  TranslateOptions,
  'beam' | 'lengthPenalty' | 'maxLengthRatio' | 'maxLengthConstant' | 'replaceUnk'
>;

export interface Decoding {
  /** For the Translator (and serve's decoding settings). */
  search: SearchSettings;
  /** For loadDecodingModels (src/decode/run-loader.ts). */
  choices: DecodingChoices;
}

export function addDecodingFlags(cmd: Command): Command {
  const d = TRANSLATE_DEFAULTS;
  return cmd
    .option('--beam <n>', 'beam size (1 = greedy)', String(d.beam))
    .option('--length-penalty <a>', 'α of lp = ((5+|Y|)/6)^α (0 = none)', String(d.lengthPenalty))
    .option('--max-length-ratio <r>', 'output limit = r × source tokens + constant', String(d.maxLengthRatio))
    .option('--max-length-constant <c>', 'output limit constant', String(d.maxLengthConstant))
    .option('--replace-unk', 'replace <unk> outputs by the source piece with the highest attention')
    .option('--precision <p>', 'output layer: fp32 (exact), or bf16 / int8 (faster, approximate)', 'fp32')
    .option('--shortlist', "decode over the run's vocabulary shortlist (seq2seq shortlist; faster, approximate)");
}

/** The flags read and checked: InputError naming the first bad one. */
export function readDecodingFlags(opts: DecodingFlags): Decoding {
  const search: SearchSettings = {
    beam: integerFlag('--beam', opts.beam, 1, SIZE_LIMITS.beam),
    lengthPenalty: numberFlag('--length-penalty', opts.lengthPenalty),
    maxLengthRatio: numberFlag('--max-length-ratio', opts.maxLengthRatio, SIZE_LIMITS.maxLengthRatio),
    maxLengthConstant: numberFlag('--max-length-constant', opts.maxLengthConstant, SIZE_LIMITS.maxLengthConstant),
    replaceUnk: opts.replaceUnk === true,
  };
  if (!(OUTPUT_PRECISIONS as readonly string[]).includes(opts.precision)) {
    throw new InputError(`--precision must be one of ${OUTPUT_PRECISIONS.join(', ')}, got '${opts.precision}'`);
  }
  return { search, choices: { precision: opts.precision as OutputPrecision, shortlist: opts.shortlist === true } };
}
