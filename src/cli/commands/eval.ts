/**
 * `seq2seq eval --model RUN --test CORPUS`: translates the test sources, then reports BLEU and chrF
 * against the test targets (sacreBLEU-compatible lines and signatures), the model's per-token
 * perplexity on the references (model.loss), and the decoding speed. `--model` repeated: the
 * ensemble of the models (src/model/ensemble.ts), its perplexity by forced decoding.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { SIZE_LIMITS } from '../../model/size-limits.js';
import { collect, integerFlag, numberFlag } from '../option-values.js';

interface EvalOpts {
  model: string[];
  test: string[];
  src?: string;
  tgt?: string;
  beam: string;
  batchSize: string;
  lengthPenalty: string;
  metrics: string;
  lowercase?: boolean;
  format: string;
  hypOut?: string;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('translate a test corpus and report BLEU, chrF, perplexity and decoding speed')
    .requiredOption('--model <run>', 'trained run or checkpoint directory; repeat it to decode with the ensemble of several (same tokenizers)', collect)
    .requiredOption('--test <corpus...>', 'two aligned files, a prefix with --src/--tgt, a TSV or a JSON Lines file')
    .option('--src <lang>', 'source language suffix of aligned files')
    .option('--tgt <lang>', 'target language suffix of aligned files')
    .option('--beam <n>', 'beam size (1 = greedy)', '5')
    .option('--batch-size <n>', 'sentences translated together', '64')
    .option('--length-penalty <a>', 'α of lp = ((5+|Y|)/6)^α', '0.6')
    .option('--metrics <list>', 'comma-separated: bleu, chrf, chrf++', 'bleu,chrf')
    .option('--lowercase', 'case-insensitive BLEU/chrF')
    .option('--format <fmt>', 'text or json', 'text')
    .option('--hyp-out <file>', 'also write the translations here, one line per pair (atomically)')
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
      const beam = integerFlag('--beam', opts.beam, 1, SIZE_LIMITS.beam);
      const batchSize = integerFlag('--batch-size', opts.batchSize, 1, SIZE_LIMITS.batchLines);
      const alpha = numberFlag('--length-penalty', opts.lengthPenalty);
      if (opts.format !== 'text' && opts.format !== 'json') throw new InputError(`--format must be text or json, got '${opts.format}'`);
      const { parseMetrics, computeMetrics, formatMetricsText } = await import('../../eval/metrics.js');
      const metrics = parseMetrics(opts.metrics);
      if (opts.hypOut !== undefined) {
        const { checkOutputPath } = await import('../../util/output.js');
        checkOutputPath(opts.hypOut); // fail now, not after decoding the whole test set
      }
      const { resolveCorpus, loadPairs } = await import('../../data/corpus.js');
      const spec = resolveCorpus(opts.test, { src: opts.src, tgt: opts.tgt });
      const { loadDecodingModels } = await import('../../decode/run-loader.js');
      const { Translator } = await import('../../decode/translator.js');
      const { perplexity, forcedPerplexity } = await import('../../eval/model-scores.js');
      const run = await loadDecodingModels(opts.model);
      const ensemble = run.members.length > 1;
      const { pairs, report } = await loadPairs(spec);
      if (pairs.length === 0) throw new InputError(`${opts.test.join(' ')}: no sentence pairs to evaluate`);
      if (report.skippedEmpty > 0) process.stderr.write(`seq2seq: note: ${report.skippedEmpty} pairs with an empty side skipped\n`);

      const translator = new Translator(run.model, run.srcTokenizer, run.tgtTokenizer, { beam, nBest: 1, lengthPenalty: alpha, maxSourceLength: run.maxSourceLength });
      const sources = pairs.map((p) => p.src);
      const refs = pairs.map((p) => p.tgt);
      const hyps: string[] = [];
      let outTokens = 0;
      let cropped = 0;
      const t0 = process.hrtime.bigint();
      for (let s = 0; s < sources.length; s += batchSize) {
        for (const t of translator.translate(sources.slice(s, s + batchSize))) {
          hyps.push(t.hyps[0]?.text ?? '');
          outTokens += t.hyps[0]?.ids.length ?? 0;
          if (t.warnings.length > 0) cropped++;
        }
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (cropped > 0) process.stderr.write(`seq2seq: note: ${cropped} sources longer than the model's limit of ${run.maxSourceLength} tokens were cropped\n`);

      const scores = computeMetrics(hyps, [refs], metrics, { lowercase: opts.lowercase === true });
      const crop = (ids: Int32Array) => (run.maxSourceLength !== undefined && ids.length > run.maxSourceLength ? ids.slice(0, run.maxSourceLength) : ids);
      const ppl = (ensemble ? forcedPerplexity : perplexity)(run.model, sources.map((s) => crop(run.srcTokenizer.encode(s))), refs.map((r) => run.tgtTokenizer.encode(r)), batchSize);
      const speed = { search: beam === 1 ? 'greedy' : `beam ${beam}`, sentences: hyps.length, seconds, sentencesPerSecond: hyps.length / seconds, tokensPerSecond: outTokens / seconds };

      if (opts.hypOut !== undefined) {
        // One line per test pair, whatever a hypothesis holds (src/util/output.ts: outputLine).
        const { outputLine, writeOutputFile } = await import('../../util/output.js');
        await writeOutputFile(opts.hypOut, hyps.map((h) => outputLine(h) + '\n').join(''));
      }
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify({ model: run.dir, ...(ensemble ? { ensemble: opts.model } : {}), pairs: pairs.length, metrics: scores.map(({ line, ...r }) => ({ ...r, verbose: line })), perplexity: ppl, decoding: speed }, null, 2) + '\n');
        return;
      }
      if (ensemble) process.stdout.write(`ensemble of ${opts.model.length} models: ${opts.model.join(', ')}\n`);
      process.stdout.write(formatMetricsText(scores));
      process.stdout.write(`perplexity = ${ppl.perplexity.toFixed(2)} (${ppl.nllPerToken.toFixed(4)} nats/token over ${ppl.tokens} reference tokens incl. </s>, ${ppl.sentences} sentences)\n`);
      process.stdout.write(
        `decoding: ${speed.search}, ${speed.sentences} sentences in ${seconds.toFixed(2)} s = ${speed.sentencesPerSecond.toFixed(1)} sentences/s, ${speed.tokensPerSecond.toFixed(0)} tokens/s\n`,
      );
    });
}
