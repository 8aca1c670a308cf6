/**
 * The opt-in fast decoding modes, one way for `translate`, `eval` and `serve` (docs/decoding.md measures what
 * they cost in BLEU): --precision of the output layer and --shortlist (the run's shortlist.json).
 */
import type { Command } from 'commander';
import type { DecodingChoices } from '../decode/run-loader.js';
import { InputError } from '../errors.js';
import { OUTPUT_PRECISIONS, type OutputPrecision } from '../model/output-layer.js';

export interface DecodingFlags {
  precision: string;
  shortlist?: boolean;
}

export function addDecodingFlags(cmd: Command): Command {
  return cmd
    .option('--precision <p>', 'output layer: fp32 (exact), or bf16 / int8 (faster, approximate)', 'fp32')
    .option('--shortlist', "decode over the run's vocabulary shortlist (seq2seq shortlist; faster, approximate)");
}

export function decodingChoices(opts: DecodingFlags): DecodingChoices {
  if (!(OUTPUT_PRECISIONS as readonly string[]).includes(opts.precision)) {
    throw new InputError(`--precision must be one of ${OUTPUT_PRECISIONS.join(', ')}, got '${opts.precision}'`);
  }
  return { precision: opts.precision as OutputPrecision, shortlist: opts.shortlist === true };
}
