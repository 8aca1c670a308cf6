/**
 * `seq2seq corpus stats <corpus…>`: what is in a parallel corpus (pairs, tokens, lengths, ratios,
 * what was skipped or normalised), as a table or as JSON.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { registerEncode } from './_corpus-encode.js';

export function register(program: Command): void {
  const corpus = program.command('corpus').description('inspect parallel corpora');
  corpus
    .command('stats')
    .description('pairs, tokens, length percentiles and length ratios of a corpus')
    .argument('<corpus...>', 'two aligned files, a prefix with --src/--tgt, a TSV file or a JSON Lines file')
    .option('--src <lang>', 'source language suffix of aligned files (PREFIX.src)')
    .option('--tgt <lang>', 'target language suffix of aligned files (PREFIX.tgt)')
    .option('--corpus-format <fmt>', 'aligned, tsv or jsonl (default: from the arguments and the file)')
    .option('--format <fmt>', 'output: text or json', 'text')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq corpus stats corpora/demo/train --src en --tgt de
  seq2seq corpus stats train.en train.de --format json
  seq2seq corpus stats ../shared/corpora/tatoeba-eng-fra/fra.txt`,
    )
    .action(async (paths: string[], opts: { src?: string; tgt?: string; corpusFormat?: string; format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'json') throw new InputError(`--format must be text or json, got '${opts.format}'`);
      const cf = opts.corpusFormat;
      if (cf !== undefined && cf !== 'aligned' && cf !== 'tsv' && cf !== 'jsonl') {
        throw new InputError(`--corpus-format must be aligned, tsv or jsonl, got '${cf}'`);
      }
      const { resolveCorpus } = await import('../../data/corpus.js');
      const { corpusStats, formatCorpusStats } = await import('../../data/corpus-stats.js');
      const spec = resolveCorpus(paths, { src: opts.src, tgt: opts.tgt, format: cf });
      const stats = await corpusStats(spec);
      process.stdout.write(opts.format === 'json' ? JSON.stringify(stats, null, 2) + '\n' : formatCorpusStats(stats));
    });
  registerEncode(corpus);
}
