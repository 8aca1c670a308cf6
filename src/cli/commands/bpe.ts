/**
 * `seq2seq bpe learn|apply|decode`: the subword tokenizer on its own.
 *   learn   learns BPE from corpora (one or both sides) and/or plain text files → tokenizer.json
 *   apply   stdin → one line of space-separated pieces (or ids) per input line
 *   decode  the inverse: pieces (or ids) per line → text
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { SIZE_LIMITS } from '../../model/size-limits.js';
import { integerFlag } from '../option-values.js';

interface LearnOptions {
  vocabSize: string;
  side: string;
  src?: string;
  tgt?: string;
  corpusFormat?: string;
  text?: string[];
  output: string;
  minFrequency: string;
  lowercase?: boolean;
  normalization: string;
}

/**
 * Writes `each(line)` for every line of stdin (without its line end), in order, one output line per
 * input line, to standard output through src/util/output.ts (a closed pipe ends it quietly).
 */
async function forEachStdinLine(each: (line: string, n: number) => string): Promise<void> {
  // The same line rules as files: BOM and CRLF normalised, invalid UTF-8 / NUL / huge lines refused.
  const { streamLines } = await import('../../decode/stream-lines.js');
  const { outputLine, standardOutput } = await import('../../util/output.js');
  const out = standardOutput();
  let n = 0;
  let buf = '';
  for await (const { text: line } of streamLines(process.stdin, '<stdin>')) {
    n++;
    buf += outputLine(each(line, n)) + '\n';
    if (buf.length >= 1 << 16) {
      await out.write(buf);
      buf = '';
    }
  }
  if (buf.length > 0) await out.write(buf);
}

export function register(program: Command): void {
  const bpe = program
    .command('bpe')
    .description('learn, apply and undo a BPE subword tokenizer (Hugging Face tokenizer.json)');

  bpe
    .command('learn')
    .description('learn BPE merges from a corpus (or plain text files) and write tokenizer.json')
    .argument('[corpus...]', 'two aligned files, a prefix with --src/--tgt, a TSV file or a JSON Lines file')
    .requiredOption('--vocab-size <n>', 'vocabulary size, the 4 special tokens <pad> <unk> <s> </s> included')
    .requiredOption('-o, --output <file>', 'tokenizer.json to write (atomically; a FIFO or a device in place)')
    .option('--side <side>', 'which side of the corpus to learn from: src, tgt or both (joint vocabulary)', 'both')
    .option('--src <lang>', 'source language suffix of aligned files (PREFIX.src)')
    .option('--tgt <lang>', 'target language suffix of aligned files (PREFIX.tgt)')
    .option('--corpus-format <fmt>', 'aligned, tsv or jsonl (default: from the arguments and the file)')
    .option('--text <file...>', 'plain text files, one sentence per line (every line is used)')
    .option('--min-frequency <n>', 'characters rarer than this become <unk>; rarer pairs are not merged', '2')
    .option('--lowercase', 'lowercase the text before anything else')
    .option('--normalization <form>', 'Unicode normalisation: nfc or nfkc', 'nfc')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq bpe learn --vocab-size 8000 corpora/multi30k/train --src en --tgt de -o tokenizer.json
  seq2seq bpe learn --vocab-size 8000 --side src train.en train.de -o tokenizer.src.json
  seq2seq bpe learn --vocab-size 16000 corpora/tatoeba-en-fr/train --src en --tgt fr -o enfr.json
  seq2seq bpe learn --vocab-size 4000 --text notes.txt more.txt -o tokenizer.json`,
    )
    .action(async (paths: string[], opts: LearnOptions) => {
      const vocabSize = integerFlag('--vocab-size', opts.vocabSize, 5, SIZE_LIMITS.vocabulary);
      const minFrequency = integerFlag('--min-frequency', opts.minFrequency, 1);
      if (opts.side !== 'src' && opts.side !== 'tgt' && opts.side !== 'both')
        throw new InputError(`--side must be src, tgt or both, got '${opts.side}'`);
      if (opts.normalization !== 'nfc' && opts.normalization !== 'nfkc')
        throw new InputError(`--normalization must be nfc or nfkc, got '${opts.normalization}'`);
      const cf = opts.corpusFormat;
      if (cf !== undefined && cf !== 'aligned' && cf !== 'tsv' && cf !== 'jsonl')
        throw new InputError(`--corpus-format must be aligned, tsv or jsonl, got '${cf}'`);
      const texts = opts.text ?? [];
      if (paths.length === 0 && texts.length === 0)
        throw new InputError('nothing to learn from: give a corpus or --text FILE…');
      const { checkOutputPath, writeOutputFile } = await import('../../util/output.js');
      checkOutputPath(opts.output);
      const { resolveCorpus, readPairs, readLines, describeCorpus } = await import('../../data/corpus.js');
      const { WordCounter, learnBpeFromCounts } = await import('../../text/tokenizer.js');
      const started = Date.now();
      const normalization = opts.normalization;
      const counter = new WordCounter({ lowercase: opts.lowercase === true, normalization });
      const sources: string[] = [];
      if (paths.length > 0) {
        const spec = resolveCorpus(paths, { src: opts.src, tgt: opts.tgt, format: cf });
        sources.push(`${describeCorpus(spec)} (${opts.side})`);
        for await (const pair of readPairs(spec)) {
          if (opts.side !== 'tgt') counter.add(pair.src);
          if (opts.side !== 'src') counter.add(pair.tgt);
        }
      }
      for (const path of texts) {
        sources.push(path);
        for await (const { text } of readLines(path)) counter.add(text);
      }
      if (counter.sentences === 0 || counter.counts.size === 0)
        throw new InputError(`${[...paths, ...texts].join(' ')}: no text to learn from (the input is empty)`);
      const tok = learnBpeFromCounts(counter, {
        vocabSize,
        minFrequency,
        lowercase: opts.lowercase === true,
        normalization,
      });
      await writeOutputFile(opts.output, tok.serialize());
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(
        `learned ${tok.vocabSize} tokens (${tok.mergeCount} merges) from ${counter.sentences} sentences, ` +
          `${counter.counts.size} distinct words of ${sources.join(', ')} in ${secs} s → ${opts.output}\n`,
      );
      if (tok.vocabSize < vocabSize)
        process.stderr.write(`note: stopped below ${vocabSize}: no pair occurs ${minFrequency} times or more\n`);
    });

  bpe
    .command('apply')
    .description('tokenise stdin: one line of space-separated pieces (or ids) per input line')
    .requiredOption('-t, --tokenizer <file>', 'tokenizer.json')
    .option('--ids', 'print token ids instead of pieces')
    .addHelpText(
      'after',
      `
Pieces start with ▁ where a word starts (a space in the text); unknown characters print as
themselves (as <unk>'s id with --ids).

Examples:
  echo "A man in an orange hat." | seq2seq bpe apply -t tokenizer.json
  seq2seq bpe apply -t tokenizer.json --ids < train.en > train.ids`,
    )
    .action(async (opts: { tokenizer: string; ids?: boolean }) => {
      const { Tokenizer } = await import('../../text/tokenizer.js');
      const tok = Tokenizer.load(opts.tokenizer);
      await forEachStdinLine((line) =>
        opts.ids ? Array.from(tok.encode(line)).join(' ') : tok.tokenize(line).join(' '),
      );
    });

  bpe
    .command('decode')
    .description('undo apply: space-separated pieces (or ids) per line → text')
    .requiredOption('-t, --tokenizer <file>', 'tokenizer.json')
    .option('--ids', 'read token ids instead of pieces (skips <pad>, <s>, </s>)')
    .addHelpText(
      'after',
      `
Examples:
  echo "▁A ▁man ▁in ▁an ▁or ange" | seq2seq bpe decode -t tokenizer.json
  seq2seq bpe decode -t tokenizer.json --ids < hyp.ids > hyp.txt`,
    )
    .action(async (opts: { tokenizer: string; ids?: boolean }) => {
      const { Tokenizer } = await import('../../text/tokenizer.js');
      const tok = Tokenizer.load(opts.tokenizer);
      await forEachStdinLine((line, n) => {
        const fields = line.split(' ').filter((f) => f.length > 0);
        if (!opts.ids) return tok.detokenize(fields);
        const ids = fields.map((f) => {
          const id = Number(f);
          if (!/^\d+$/.test(f) || id >= tok.vocabSize)
            throw new InputError(
              `<stdin>:${n}: '${f}' is not a token id of ${opts.tokenizer} (0..${tok.vocabSize - 1})`,
            );
          return id;
        });
        return tok.decode(ids);
      });
    });
}
