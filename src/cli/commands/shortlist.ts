/**
 * `seq2seq shortlist --model RUN --train CORPUS`: learns the lexical shortlist of a run (src/model/shortlist.ts)
 * from a parallel corpus — normally the one it was trained on — tokenized with the run's tokenizers, and writes it
 * atomically as RUN/shortlist.json, where `translate`, `eval` and `serve --shortlist` find it. Prints one line:
 * the pairs counted, the sizes kept and where the file went.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { integerFlag } from '../option-values.js';

interface ShortlistOpts {
  model: string;
  train: string[];
  src?: string;
  tgt?: string;
  perSource: string;
  frequent: string;
  out?: string;
}

export function register(program: Command): void {
  program
    .command('shortlist')
    .description("learn a run's vocabulary shortlist (an opt-in fast decoding mode: --shortlist) from a corpus")
    .requiredOption('--model <run>', 'trained run directory (its tokenizers; the shortlist is written into it)')
    .requiredOption('--train <corpus...>', 'parallel corpus: aligned files, a prefix with --src/--tgt, TSV or JSONL')
    .option('--src <lang>', 'source language suffix of aligned files')
    .option('--tgt <lang>', 'target language suffix of aligned files')
    .option('--per-source <n>', 'target tokens kept per source token (highest Dice coefficient)', '50')
    .option('--frequent <n>', 'most frequent target tokens kept for every batch', '500')
    .option('--out <file>', 'where to write (default RUN/shortlist.json)')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq shortlist --model runs/en-de --train corpora/multi30k/train --src en --tgt de
  seq2seq translate --model runs/en-de --shortlist < in.en > out.de     # decode over the shortlist`,
    )
    .action(async (opts: ShortlistOpts) => {
      const perSource = integerFlag('--per-source', opts.perSource, 1, 100_000);
      const frequent = integerFlag('--frequent', opts.frequent, 0, 1_000_000);
      const { join } = await import('node:path');
      const { SHORTLIST_FILE } = await import('../../decode/run-loader.js');
      const out = opts.out ?? join(opts.model, SHORTLIST_FILE);
      const { checkOutputPath } = await import('../../util/output.js');
      checkOutputPath(out);
      const { loadRun } = await import('../../model/run-dir.js');
      const { resolveCorpus, readPairs } = await import('../../data/corpus.js');
      const { ShortlistLearner } = await import('../../model/shortlist.js');
      const run = loadRun(opts.model);
      const spec = resolveCorpus(opts.train, { src: opts.src, tgt: opts.tgt });
      const learner = new ShortlistLearner(run.model.srcVocabSize, run.model.tgtVocabSize);
      const { srcTokenizer: s, tgtTokenizer: t } = run;
      for await (const p of readPairs(spec)) learner.add(s.encode(p.src), t.encode(p.tgt));
      if (learner.pairsCounted === 0) throw new InputError(`${opts.train.join(' ')}: no sentence pairs to learn from`);
      const shortlist = learner.finish({ perSource, frequent });
      const { writeOutputFile } = await import('../../util/output.js');
      await writeOutputFile(out, JSON.stringify(shortlist) + '\n');
      const sizes = `${perSource} targets per source token, the ${shortlist.frequent.length} most frequent`;
      process.stdout.write(`shortlist of ${learner.pairsCounted} pairs (${sizes}) → ${out}\n`);
    });
}
