/**
 * `seq2seq average RUN [--last N | --best N] [--out DIR]`: averages the weights of kept checkpoints
 * (checkpoints/step-N/, written by `train --keep-checkpoints N`) element by element into
 * RUN/averaged/ (default), which `translate`, `eval` and `score` load as `--model RUN/averaged`.
 * Prints one line: the steps averaged and where the result went.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { integerFlag } from '../option-values.js';

interface AverageOpts {
  last?: string;
  best?: string;
  out?: string;
}

export function register(program: Command): void {
  program
    .command('average')
    .description("average the weights of a run's kept checkpoints (train --keep-checkpoints N) into RUN/averaged")
    .argument('<run>', 'run directory written by seq2seq train')
    .option('--last <n>', 'average the newest n kept checkpoints (default 5, or all kept if fewer)')
    .option('--best <n>', 'average the n kept checkpoints with the highest validation BLEU')
    .option('--out <dir>', 'where to write (default RUN/averaged; outside the run: a standalone run directory)')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq average runs/en-de                       # newest 5 kept checkpoints → runs/en-de/averaged
  seq2seq average runs/en-de --best 3 --out runs/en-de/avg-best3
  seq2seq translate --model runs/en-de/averaged < in.en`,
    )
    .action(async (dir: string, opts: AverageOpts) => {
      if (opts.last !== undefined && opts.best !== undefined)
        throw new InputError('give either --last N or --best N, not both');
      const sel =
        opts.best !== undefined
          ? { by: 'best' as const, n: integerFlag('--best', opts.best) }
          : { by: 'last' as const, n: opts.last !== undefined ? integerFlag('--last', opts.last) : 5 };
      const { averageRun } = await import('../../model/average.js');
      const r = averageRun(dir, sel, opts.out);
      const how = sel.by === 'best' ? `the ${r.steps.length} best by validation BLEU` : `the last ${r.steps.length}`;
      process.stdout.write(`averaged ${how} kept checkpoints (steps ${r.steps.join(', ')}) → ${r.out}\n`);
    });
}
