/**
 * `seq2seq score`: two modes.
 *   [--hyp FILE] --ref FILE…   BLEU / chrF of a system output against references, printed as
 *                              sacreBLEU prints them (src/eval/sacrebleu-output.ts): one line per
 *                              metric `BLEU|signature = score …`, --format json, -b, -w; the
 *                              hypotheses from stdin without --hyp or with `--hyp -`; the
 *                              references also as arguments (`seq2seq score ref.de < out.de`)
 *   --model RUN --test CORPUS  forced decoding: log p(reference | source) of every pair, one
 *                              labelled line (`logprob = … (tokens = … ppl = …)`) or JSON object each
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { SIZE_LIMITS } from '../../model/size-limits.js';
import { collect, integerFlag } from '../option-values.js';

interface ScoreOpts {
  hyp?: string;
  ref: string[];
  metrics: string;
  lowercase?: boolean;
  tokenize: string;
  smooth: string;
  smoothValue?: string;
  format: string;
  scoreOnly?: boolean;
  width?: string;
  model?: string[];
  test?: string[];
  src?: string;
  tgt?: string;
  batchSize: string;
}

export function register(program: Command): void {
  program
    .command('score')
    .description(
      'BLEU/chrF of hypotheses against references, printed as sacreBLEU prints them; or forced-decoding ' +
        'log-probabilities of a test corpus under a model',
    )
    .argument('[refs...]', 'reference files (as sacreBLEU takes them; the same as --ref)')
    .option('-i, --hyp <file>', 'system output, one sentence per line (default, or "-": stdin)')
    .option('--ref <file>', 'reference file, aligned with --hyp (repeat for several references)', collect, [])
    .option('--metrics <list>', 'comma-separated: bleu, chrf, chrf++', 'bleu,chrf')
    .option('--lowercase', 'case-insensitive scores')
    .option('--tokenize <tok>', 'BLEU tokenizer: 13a, intl, char or none', '13a')
    .option('--smooth <method>', 'BLEU smoothing: exp, floor, add-k or none', 'exp')
    .option('--smooth-value <v>', 'value for floor (default 0.1) or add-k (default 1)')
    .option('-f, --format <fmt>', 'text or json (text or jsonl with --model)', 'text')
    .option('-b, --score-only', 'print the scores alone (with --model: the log-probabilities alone)')
    .option('-w, --width <n>', 'decimals of the scores (default 1, as sacreBLEU; JSON: every digit unless given)')
    .option(
      '--model <run>',
      'a trained run directory (forced-decoding mode); repeat it to score with the ensemble of several',
      collect,
    )
    .option('--test <corpus...>', 'test corpus for --model: two aligned files, a prefix with --src/--tgt, TSV or JSONL')
    .option('--src <lang>', 'source language suffix of aligned files')
    .option('--tgt <lang>', 'target language suffix of aligned files')
    .option('--batch-size <n>', 'sentences per forward pass with --model', '64')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq score --hyp out.de --ref test.de
  seq2seq score test.de < out.de                          # as sacreBLEU: references as arguments, hypotheses on stdin
  seq2seq score --hyp out.de --ref ref1.de --ref ref2.de --metrics bleu,chrf++ --format json
  seq2seq score --hyp out.de --ref test.de -b -w 2        # the scores alone, two decimals
  seq2seq score --model runs/en-de --test corpora/multi30k/test_2016_flickr --src en --tgt de --format jsonl

Text output prints one line per metric, as sacreBLEU does (its version field names this implementation):
  BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:seq2seq-0.1.0 = 48.5 82.4/50.0/45.5/37.5 (BP = …)
With --model, one labelled line per sentence pair (-b: the log-probability alone):
  logprob = -12.3456 (tokens = 8 ppl = 4.67)`,
    )
    .action(async (refArgs: string[], opts: ScoreOpts) => {
      const refs = [...refArgs, ...opts.ref];
      if (opts.model !== undefined || opts.test !== undefined) {
        if (opts.hyp !== undefined || refs.length > 0) {
          throw new InputError('give either --hyp/--ref or --model/--test, not both');
        }
        if (opts.width !== undefined) throw new InputError('--width applies to BLEU/chrF scores, not to --model');
        await forcedDecodingScores(opts);
        return;
      }
      if (refs.length === 0) throw new InputError('at least one --ref FILE is required');
      if (opts.format !== 'text' && opts.format !== 'json') {
        throw new InputError(`--format must be text or json, got '${opts.format}'`);
      }
      const width = opts.width === undefined ? null : integerFlag('--width', opts.width, 0);
      const { parseMetrics, computeMetrics } = await import('../../eval/metrics.js');
      const { readTextLines } = await import('../../eval/read-text.js');
      const { TOKENIZER_NAMES } = await import('../../eval/tokenizers.js');
      const { SMOOTH_METHODS } = await import('../../eval/bleu.js');
      const metrics = parseMetrics(opts.metrics);
      if (!(TOKENIZER_NAMES as readonly string[]).includes(opts.tokenize)) {
        throw new InputError(`--tokenize must be one of ${TOKENIZER_NAMES.join(', ')}, got '${opts.tokenize}'`);
      }
      if (!(SMOOTH_METHODS as readonly string[]).includes(opts.smooth)) {
        throw new InputError(`--smooth must be one of ${SMOOTH_METHODS.join(', ')}, got '${opts.smooth}'`);
      }
      let smoothValue: number | null = null;
      if (opts.smoothValue !== undefined) {
        smoothValue = Number(opts.smoothValue);
        if (!Number.isFinite(smoothValue) || smoothValue < 0) {
          throw new InputError(`--smooth-value must be a non-negative number, got '${opts.smoothValue}'`);
        }
      }

      const { name: hypName, lines: hyps } = await readHypotheses(opts.hyp);
      const refStreams: string[][] = [];
      for (const r of refs) {
        const lines = await readTextLines(r);
        if (lines.length !== hyps.length) {
          const counts = `${hypName} has ${hyps.length} lines but ${r} has ${lines.length}`;
          throw new InputError(`${counts}: the files must be aligned line by line`);
        }
        refStreams.push(lines);
      }
      for (let i = 0; i < hyps.length; i++) {
        if (refStreams.every((s) => s[i] === '')) {
          throw new InputError(`${refs.join(', ')}:${i + 1}: empty reference (every reference of this line is empty)`);
        }
      }
      const results = computeMetrics(hyps, refStreams, metrics, {
        lowercase: opts.lowercase === true,
        bleu: { tokenize: opts.tokenize as never, smoothMethod: opts.smooth as never, smoothValue },
      });
      const out = await import('../../eval/sacrebleu-output.js');
      const decimals = width ?? out.SACREBLEU_WIDTH;
      if (opts.scoreOnly) process.stdout.write(out.sacrebleuScoreOnly(results, decimals, opts.format));
      else if (opts.format === 'json') process.stdout.write(out.sacrebleuJson(results, width));
      else process.stdout.write(out.sacrebleuText(results, decimals));
    });
}

/** The hypotheses: a file, or stdin when --hyp is `-` or absent (absent and stdin a terminal: a usage error). */
async function readHypotheses(hyp: string | undefined): Promise<{ name: string; lines: string[] }> {
  if (hyp !== undefined && hyp !== '-') {
    const { readTextLines } = await import('../../eval/read-text.js');
    return { name: hyp, lines: await readTextLines(hyp) };
  }
  if (hyp === undefined && process.stdin.isTTY) {
    throw new InputError('--hyp FILE is required (or the hypotheses on stdin, or --model RUN --test CORPUS)');
  }
  const { streamLines } = await import('../../decode/stream-lines.js');
  const lines: string[] = [];
  for await (const l of streamLines(process.stdin, '<stdin>')) lines.push(l.text);
  return { name: '<stdin>', lines };
}

/** --model RUN --test CORPUS: log p(reference | source) per pair, in corpus order, each labelled. */
async function forcedDecodingScores(opts: ScoreOpts): Promise<void> {
  if (opts.model === undefined) throw new InputError('--test needs --model RUN');
  if (opts.test === undefined) throw new InputError('--model needs --test CORPUS (or use --hyp/--ref without a model)');
  if (opts.format !== 'text' && opts.format !== 'jsonl') {
    throw new InputError(`--format must be text or jsonl with --model, got '${opts.format}'`);
  }
  const batchSize = integerFlag('--batch-size', opts.batchSize, 1, SIZE_LIMITS.batchLines);
  const { resolveCorpus, loadPairs } = await import('../../data/corpus.js');
  const { loadDecodingModels } = await import('../../decode/run-loader.js');
  const { forcedDecode } = await import('../../eval/model-scores.js');
  const { jsonLine, standardOutput } = await import('../../util/output.js');
  const spec = resolveCorpus(opts.test, { src: opts.src, tgt: opts.tgt });
  // Several --model: the ensemble (the mean of the members' probabilities), as translate and eval do.
  const run = await loadDecodingModels(opts.model);
  const { pairs, report } = await loadPairs(spec);
  if (report.skippedEmpty > 0) {
    process.stderr.write(`seq2seq: note: ${report.skippedEmpty} pairs with an empty side skipped\n`);
  }
  const limit = run.maxSourceLength;
  // A closed pipe (`| head`) ends the output quietly (OutputClosed, src/util/output.ts).
  const out = standardOutput();
  for (let s = 0; s < pairs.length; s += batchSize) {
    const chunk = pairs.slice(s, s + batchSize);
    const src = chunk.map((p) => {
      const ids = run.srcTokenizer.encode(p.src);
      return limit !== undefined && ids.length > limit ? ids.slice(0, limit) : ids;
    });
    const scores = forcedDecode(
      run.model,
      src,
      chunk.map((p) => run.tgtTokenizer.encode(p.tgt)),
    );
    let text = '';
    chunk.forEach((p, k) => {
      const { logProb, tokens } = scores[k];
      const ppl = Math.exp(-logProb / tokens);
      const record = { line: p.line, src: p.src, tgt: p.tgt, logprob: logProb, tokens, ppl };
      if (opts.format === 'jsonl') text += jsonLine(record) + '\n';
      else if (opts.scoreOnly) text += `${logProb.toFixed(4)}\n`;
      else text += `logprob = ${logProb.toFixed(4)} (tokens = ${tokens} ppl = ${ppl.toFixed(2)})\n`;
    });
    await out.write(text);
  }
}
