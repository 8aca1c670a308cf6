/**
 * `seq2seq eval --model RUN --test CORPUS`: translates the test sources, then reports BLEU and chrF
 * against the test targets (sacreBLEU-compatible lines and signatures), the model's per-token
 * perplexity on the references (model.loss), and the decoding speed. `--model` repeated: the
 * ensemble of the models (src/model/ensemble.ts), its perplexity by forced decoding. The work is
 * `evaluate` (src/eval/evaluate.ts), which returns the figures; this command reads the flags and
 * the files, and prints.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import type { Evaluation } from '../../eval/evaluate.js';
import { SIZE_LIMITS } from '../../model/size-limits.js';
import { addDecodingFlags, readDecodingFlags, type DecodingFlags } from '../decoding-flags.js';
import { collect, integerFlag } from '../option-values.js';

interface EvalOpts extends DecodingFlags {
  model: string[];
  test: string[];
  src?: string;
  tgt?: string;
  batchSize: string;
  metrics: string;
  lowercase?: boolean;
  format: string;
  hypOut?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('translate a test corpus and report BLEU, chrF, perplexity and decoding speed')
    .requiredOption(
      '--model <run>',
      'trained run or checkpoint directory; repeat it to decode with the ensemble of several (same tokenizers)',
      collect,
    )
    .requiredOption('--test <corpus...>', 'two aligned files, a prefix with --src/--tgt, a TSV or a JSON Lines file')
    .option('--src <lang>', 'source language suffix of aligned files')
    .option('--tgt <lang>', 'target language suffix of aligned files')
    .option('--batch-size <n>', 'sentences scored together for the perplexity', '64')
    .option('--metrics <list>', 'comma-separated: bleu, chrf, chrf++', 'bleu,chrf')
    .option('--lowercase', 'case-insensitive BLEU/chrF')
    .option('--format <fmt>', 'text or json', 'text')
    .option('--hyp-out <file>', 'also write the translations here, one line per pair (atomically)');
  addDecodingFlags(cmd)
    .addHelpText(
      'after',
      `
Examples:
  seq2seq eval --model runs/en-de --test corpora/multi30k/test_2016_flickr --src en --tgt de
  seq2seq eval --model runs/en-fr --test fra-test.tsv --beam 1 --format json
  seq2seq eval --model runs/en-de/best --model runs/en-de/checkpoints/step-00008800 \\
               --test corpora/multi30k/val --src en --tgt de      # an ensemble: mean of the probabilities`,
    )
    .action(async (opts: EvalOpts) => {
      const { search, choices } = readDecodingFlags(opts);
      const batchSize = integerFlag('--batch-size', opts.batchSize, 1, SIZE_LIMITS.batchLines);
      if (opts.format !== 'text' && opts.format !== 'json') {
        throw new InputError(`--format must be text or json, got '${opts.format}'`);
      }
      const { parseMetrics, formatMetricsText } = await import('../../eval/metrics.js');
      const metrics = parseMetrics(opts.metrics);
      if (opts.hypOut !== undefined) {
        const { checkOutputPath } = await import('../../util/output.js');
        checkOutputPath(opts.hypOut); // fail now, not after decoding the whole test set
      }
      const { resolveCorpus, loadPairs } = await import('../../data/corpus.js');
      const spec = resolveCorpus(opts.test, { src: opts.src, tgt: opts.tgt });
      const { loadDecodingModels } = await import('../../decode/run-loader.js');
      const run = await loadDecodingModels(opts.model, choices);
      const { pairs, report } = await loadPairs(spec);
      if (pairs.length === 0) throw new InputError(`${opts.test.join(' ')}: no sentence pairs to evaluate`);
      if (report.skippedEmpty > 0) {
        process.stderr.write(`seq2seq: note: ${report.skippedEmpty} pairs with an empty side skipped\n`);
      }

      const { evaluate } = await import('../../eval/evaluate.js');
      const r = evaluate(run, pairs, { ...search, batchSize, metrics, lowercase: opts.lowercase === true });
      if (r.cropped > 0) {
        const limit = `the model's limit of ${run.maxSourceLength} tokens`;
        process.stderr.write(`seq2seq: note: ${r.cropped} sources longer than ${limit} were cropped\n`);
      }
      if (opts.hypOut !== undefined) {
        // One line per test pair, whatever a hypothesis holds (src/util/output.ts: outputLine).
        const { outputLine, writeOutputFile } = await import('../../util/output.js');
        await writeOutputFile(opts.hypOut, r.hypotheses.map((h) => outputLine(h) + '\n').join(''));
      }
      const ensemble = run.members.length > 1 ? opts.model : null;
      if (opts.format === 'json') {
        const metrics = r.metrics.map(({ line, ...m }) => ({ ...m, verbose: line }));
        const { perplexity, decoding } = r;
        const json = { model: run.dir, ...(ensemble ? { ensemble } : {}), pairs: pairs.length, metrics };
        process.stdout.write(JSON.stringify({ ...json, perplexity, decoding }, null, 2) + '\n');
      } else {
        const head = ensemble ? `ensemble of ${ensemble.length} models: ${ensemble.join(', ')}\n` : '';
        process.stdout.write(head + formatMetricsText(r.metrics) + evaluationLines(r));
      }
    });
}

/** The perplexity and decoding-speed lines of the text report. */
function evaluationLines({ perplexity: p, decoding: d }: Evaluation): string {
  const tokens = `${p.tokens} reference tokens incl. </s>, ${p.sentences} sentences`;
  const speed = `${d.sentencesPerSecond.toFixed(1)} sentences/s, ${d.tokensPerSecond.toFixed(0)} tokens/s`;
  return (
    `perplexity = ${p.perplexity.toFixed(2)} (${p.nllPerToken.toFixed(4)} nats/token over ${tokens})\n` +
    `decoding: ${d.search}, ${d.sentences} sentences in ${d.seconds.toFixed(2)} s = ${speed}\n`
  );
}
