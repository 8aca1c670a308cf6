/**
 * `seq2seq translate --model RUN`: batch translation, one output line per input line, in order
 * (stdin or -i → stdout or -o), streaming in batches of --batch-size lines (translateStream,
 * src/decode/stream-translate.ts); or, when stdin and stdout are both terminals and no -i/-o is
 * given, the interactive translator (src/ui/translate). The output goes through the one output
 * helper (src/util/output.ts): -o is written atomically (a temporary file renamed over the target
 * at the end; on an error or an interrupt the target is left untouched), a FIFO or a device in
 * place; write errors are one line.
 * `--model` repeated: the ensemble of the models (src/model/ensemble.ts), in batch and interactive
 * mode alike (the interactive header names the first model and how many more).
 */
import type { Command } from 'commander';
import { fstatSync, statSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { SIZE_LIMITS } from '../../model/size-limits.js';
import { addDecodingFlags, readDecodingFlags, type DecodingFlags } from '../decoding-flags.js';
import { collect, integerFlag } from '../option-values.js';
import type { Translator } from '../../decode/translator.js';
import type { TextLine } from '../../data/line-reader.js';

interface TranslateCliOpts extends DecodingFlags {
  model: string[];
  input?: string;
  output?: string;
  nBest: string;
  format: string;
  batchSize: string;
  splitSentences?: boolean;
  shard?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('translate')
    .description('translate text with a trained run: interactive on a terminal, else one output line per input line')
    .requiredOption(
      '--model <run>',
      'trained run or checkpoint directory; repeat it to decode with the ensemble of several (same tokenizers)',
      collect,
    )
    .option('-i, --input <file>', 'input text, one sentence per line (default: stdin)')
    .option('-o, --output <file>', 'output file, written atomically (default: stdout)')
    .option('--n-best <k>', 'hypotheses per sentence (needs --format jsonl when > 1)', '1')
    .option('--format <fmt>', 'text or jsonl ({"src","hyps":[{"text","score"}]})', 'text')
    .option('--batch-size <n>', 'lines read, translated and written at a time', '32')
    .option('--split-sentences', 'translate each sentence of a line on its own, joined back into one output line')
    .option(
      '--shard <I/N|auto>',
      'translate the I-th (from 0) of N contiguous line ranges of -i into -o; auto: from the job array',
    );
  addDecodingFlags(cmd)
    .addHelpText(
      'after',
      `
Examples:
  seq2seq translate --model runs/en-de                          # interactive on a terminal
  seq2seq translate --model runs/en-de < in.en > out.de
  seq2seq translate --model runs/en-de -i in.en -o out.de --beam 5 --batch-size 64
  seq2seq translate --model runs/en-de -i in.en --n-best 3 --format jsonl
  seq2seq translate --model runs/en-de --split-sentences < paragraphs.en > paragraphs.de
  seq2seq translate --model runs/en-de/best --model runs/en-de/checkpoints/step-00008800 < in.en
                                                  # an ensemble: the mean of the models' probabilities
  seq2seq translate --model runs/en-de --precision int8 --shortlist < in.en    # faster, approximate`,
    )
    .action(async (opts: TranslateCliOpts) => {
      const { search, choices: decoding } = readDecodingFlags(opts);
      const beam = search.beam;
      const nBest = integerFlag('--n-best', opts.nBest, 1, SIZE_LIMITS.beam);
      const batchSize = integerFlag('--batch-size', opts.batchSize, 1, SIZE_LIMITS.batchLines);
      if (opts.format !== 'text' && opts.format !== 'jsonl')
        throw new InputError(`--format must be text or jsonl, got '${opts.format}'`);
      if (nBest > beam) throw new InputError(`--n-best ${nBest} cannot exceed --beam ${beam}`);
      if (nBest > 1 && opts.format === 'text')
        throw new InputError('--n-best > 1 needs --format jsonl (text output has one line per input line)');
      const splitSentences = opts.splitSentences === true;
      if (splitSentences && nBest > 1) {
        throw new InputError('--split-sentences gives one hypothesis per line: it cannot go with --n-best > 1');
      }
      const options = { ...search, nBest };
      if (opts.shard !== undefined) {
        const { translateShardCommand } = await import('./_translate-shard.js');
        return translateShardCommand(opts.shard, {
          models: opts.model,
          input: opts.input,
          output: opts.output,
          options,
          decoding,
          batchSize,
          format: opts.format,
          splitSentences,
        });
      }
      if (opts.input !== undefined) {
        const { checkFile } = await import('../../data/line-reader.js');
        checkFile(opts.input, 'input file');
      }
      if (opts.output !== undefined) {
        const { checkOutputPath } = await import('../../util/output.js');
        checkOutputPath(opts.output);
      }
      const { loadDecodingModels } = await import('../../decode/run-loader.js');
      const { Translator } = await import('../../decode/translator.js');
      const run = await loadDecodingModels(opts.model, decoding);
      const translator = new Translator(run.model, run.srcTokenizer, run.tgtTokenizer, {
        ...options,
        maxSourceLength: run.maxSourceLength,
      });

      if (opts.input === undefined && opts.output === undefined && process.stdin.isTTY && process.stdout.isTTY) {
        let app: typeof import('../../ui/translate/app.js') | null = null;
        try {
          (await import('../../ui/shared/live-terminal.js')).allowLiveRendering();
          app = await import('../../ui/translate/app.js');
        } catch (err) {
          process.stderr.write(
            `seq2seq: the interactive translator is not available (${(err as Error).message.split('\n')[0]}); ` +
              `reading lines from stdin instead\n`,
          );
        }
        if (app) {
          const modelLabel =
            opts.model.length > 1 ? `${run.dir} + ${opts.model.length - 1} more (ensemble)` : undefined;
          const uiOptions = { ...options, maxSourceLength: run.maxSourceLength };
          await app.runInteractiveTranslate({
            translator,
            runDir: run.dir,
            options: uiOptions,
            modelLabel,
            splitSentences,
          });
          return;
        }
      }
      await runBatchTranslate(translator, {
        input: opts.input,
        output: opts.output,
        batchSize,
        format: opts.format,
        splitSentences,
      });
    });
}

interface BatchIo {
  input?: string;
  output?: string;
  batchSize: number;
  format: 'text' | 'jsonl';
  splitSentences: boolean;
}

/** Idle input time after which a partial batch read from a pipe is translated (the reader may be waiting for it). */
const PIPE_IDLE_FLUSH_MS = 5;

/** `12,345 lines  410 lines/s  ETA 0:42` on one self-overwriting stderr line (TTY only). */
function progressReporter(
  totalBytes: number | null,
  bytesDone: () => number,
): { update(lines: number): void; done(lines: number): void } {
  const tty = process.stderr.isTTY === true;
  const start = process.hrtime.bigint();
  let last = 0;
  const secs = () => Number(process.hrtime.bigint() - start) / 1e9;
  const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return {
    update(lines: number) {
      if (!tty) return;
      const t = secs();
      if (t - last < 0.25) return;
      last = t;
      const rate = lines / t;
      let eta = '';
      if (totalBytes && bytesDone() > 0) eta = `  ETA ${clock((t * (totalBytes - bytesDone())) / bytesDone())}`;
      process.stderr.write(`\r\x1b[K${lines.toLocaleString('en-US')} lines  ${rate.toFixed(1)} lines/s${eta}`);
    },
    done(lines: number) {
      if (!tty) return;
      const t = secs();
      process.stderr.write(
        `\r\x1b[K${lines.toLocaleString('en-US')} lines in ${t.toFixed(1)} s ` +
          `(${(lines / Math.max(t, 1e-9)).toFixed(1)} lines/s)\n`,
      );
    },
  };
}

/** Streams the input (-i or stdin) through translateStream to the output (-o or stdout). */
async function runBatchTranslate(translator: Translator, io: BatchIo): Promise<void> {
  const { readLines } = await import('../../data/line-reader.js');
  const { streamLines } = await import('../../decode/stream-lines.js');
  const { translateStream } = await import('../../decode/stream-translate.js');
  const { withOutput } = await import('../../util/output.js');

  let bytes = 0;
  async function* counted(src: AsyncIterable<TextLine>): AsyncGenerator<TextLine> {
    for await (const l of src) {
      bytes += Buffer.byteLength(l.text) + 1;
      yield l;
    }
  }
  const inputName = io.input ?? '<stdin>';
  const lines = counted(io.input !== undefined ? readLines(io.input) : streamLines(process.stdin, '<stdin>'));
  const inputSize = io.input !== undefined && statSync(io.input).isFile() ? statSync(io.input).size : null;
  const progress = progressReporter(inputSize, () => bytes);
  const onWarning = (m: string) => process.stderr.write(`seq2seq: warning: ${m}\n`);
  // Stdin that is not a regular file (a pipe, a socket, a terminal) may pause between lines.
  const idleFlushMs = io.input === undefined && !fstatSync(0).isFile() ? PIPE_IDLE_FLUSH_MS : undefined;
  const options = {
    batchSize: io.batchSize,
    format: io.format,
    inputName,
    onWarning,
    onProgress: progress.update,
    idleFlushMs,
    splitSentences: io.splitSentences,
  };
  // A closed pipe (`| head -1`) ends the run through OutputClosed: a quiet exit 0 (main.ts).
  await withOutput(io.output, async (out) => {
    const write = async (text: string): Promise<boolean> => {
      await out.write(text);
      return true;
    };
    const r = await translateStream(translator, lines, write, options);
    progress.done(r.lines);
  });
}
