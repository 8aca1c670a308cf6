/**
 * `seq2seq corpus encode <corpus…> --out DIR (--model RUN | --tokenizer F | --src-tokenizer F --tgt-tokenizer F)`:
 * the corpus (and optionally a validation corpus) tokenised to id shards plus a JSON index
 * (src/data/id-shards.ts), for the PyTorch twin's trainer (python/seq2seq_torch/train_ddp.py, docs/scale-out.md).
 * Registered by ./corpus.ts as a subcommand of `corpus` (the leading _ keeps main.ts from loading it as a command).
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { integerFlag } from '../option-values.js';

interface EncodeFlags {
  out: string;
  valid?: string[];
  src?: string;
  tgt?: string;
  corpusFormat?: string;
  model?: string;
  tokenizer?: string;
  srcTokenizer?: string;
  tgtTokenizer?: string;
  shardPairs: string;
}

/** The tokenizer files to encode with: the run's, a joint one, or a source and a target one. */
async function tokenizerFiles(f: EncodeFlags): Promise<{ src: string; tgt: string }> {
  const given = [f.model, f.tokenizer, f.srcTokenizer ?? f.tgtTokenizer].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new InputError(
      'give exactly one of --model RUN, --tokenizer FILE, or --src-tokenizer FILE with --tgt-tokenizer FILE',
    );
  const { join } = await import('node:path');
  if (f.model !== undefined) {
    const { readRunConfig } = await import('../../model/run-dir.js');
    const cfg = readRunConfig(f.model);
    return { src: join(f.model, cfg.tokenizers.src), tgt: join(f.model, cfg.tokenizers.tgt) };
  }
  if (f.tokenizer !== undefined) return { src: f.tokenizer, tgt: f.tokenizer };
  if (f.srcTokenizer === undefined || f.tgtTokenizer === undefined)
    throw new InputError('--src-tokenizer and --tgt-tokenizer go together');
  return { src: f.srcTokenizer, tgt: f.tgtTokenizer };
}

export function registerEncode(corpus: Command): void {
  corpus
    .command('encode')
    .description('tokenise a corpus into id shards + index.json for the PyTorch twin (docs/scale-out.md)')
    .argument(
      '<corpus...>',
      'training corpus: two aligned files, a prefix with --src/--tgt, a TSV file or a JSON Lines file',
    )
    .requiredOption('-o, --out <dir>', 'directory to create (it appears whole when done)')
    .option('--valid <corpus...>', 'validation corpus (same forms), encoded as the "valid" split')
    .option('--src <lang>', 'source language suffix of aligned files (PREFIX.src)')
    .option('--tgt <lang>', 'target language suffix of aligned files (PREFIX.tgt)')
    .option('--corpus-format <fmt>', 'aligned, tsv or jsonl (default: from the arguments and the file)')
    .option('--model <run>', "encode with a run's tokenizers")
    .option('--tokenizer <file>', 'encode both sides with this (joint) tokenizer.json')
    .option('--src-tokenizer <file>', 'source tokenizer.json (with --tgt-tokenizer)')
    .option('--tgt-tokenizer <file>', 'target tokenizer.json (with --src-tokenizer)')
    .option('--shard-pairs <n>', 'sentence pairs per shard file', '1000000')
    .addHelpText(
      'after',
      `
Examples:
  seq2seq bpe learn --vocab-size 8000 corpora/demo/train --src en --tgt de -o tok.json
  seq2seq corpus encode corpora/demo/train --valid corpora/demo/valid --src en --tgt de --tokenizer tok.json -o ids/
  seq2seq corpus encode train.tsv --model runs/en-fr -o ids/`,
    )
    .action(async (paths: string[], f: EncodeFlags) => {
      const cf = f.corpusFormat;
      if (cf !== undefined && cf !== 'aligned' && cf !== 'tsv' && cf !== 'jsonl')
        throw new InputError(`--corpus-format must be aligned, tsv or jsonl, got '${cf}'`);
      const format = cf as 'aligned' | 'tsv' | 'jsonl' | undefined;
      const shardPairs = integerFlag('--shard-pairs', f.shardPairs);
      const files = await tokenizerFiles(f);
      const { resolve } = await import('node:path');
      const { resolveCorpus } = await import('../../data/corpus.js');
      const { encodeToIdShards } = await import('../../data/id-shards.js');
      const { Tokenizer } = await import('../../text/tokenizer.js');
      const split = (name: string, given: string[]) => {
        const naming = {
          paths: given.map((p) => resolve(p)),
          src: f.src ?? null,
          tgt: f.tgt ?? null,
          format: format ?? null,
        };
        return { name, naming, spec: resolveCorpus(naming.paths, { src: f.src, tgt: f.tgt, format }) };
      };
      const splits = [split('train', paths), ...(f.valid ? [split('valid', f.valid)] : [])];
      const src = Tokenizer.load(files.src);
      const tgt = resolve(files.tgt) === resolve(files.src) ? src : Tokenizer.load(files.tgt);
      const index = await encodeToIdShards({
        out: f.out,
        splits,
        src,
        tgt,
        tokenizerFiles: files,
        shardPairs,
        onShard: (name, file, n) =>
          process.stderr.write(`${name}: ${n.toLocaleString('en-US')} pairs encoded (${file})\n`),
      });
      const n = (x: number) => x.toLocaleString('en-US');
      for (const [name, s] of Object.entries(index.splits)) {
        const skipped = s.skipped > 0 ? `; ${s.skipped} pairs with an empty side skipped` : '';
        process.stdout.write(
          `${f.out}: ${name} ${n(s.pairs)} pairs, ${n(s.srcTokens)} + ${n(s.tgtTokens)} tokens ` +
            `in ${s.shards.length} shard(s)${skipped}\n`,
        );
      }
    });
}
