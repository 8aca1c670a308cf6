/**
 * `seq2seq corpus stats|get|prepare`:
 *   stats    what is in a parallel corpus (pairs, tokens, lengths, ratios, what was skipped), table or JSON
 *   get      real parallel text from its public host (Multi30k, any OPUS corpus, Tatoeba): downloaded
 *            into a verified cache, unpacked, split, with a manifest (src/data/get-corpus.ts)
 *   prepare  cleaning, deduplication and a seeded train/val/test split of any corpus (src/data/prepare.ts)
 * Progress goes to stderr (a bar on a terminal, lines otherwise); the corpus written and the next
 * command to run go to stdout. Ctrl-C stops cleanly (exit 130), keeping a partial download for a resume.
 */
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { integerFlag, numberFlag } from '../option-values.js';
import { registerEncode } from './_corpus-encode.js';

interface SplitFlags {
  seed: string;
  valid?: string;
  test?: string;
  maxChars: string;
  maxRatio: string;
}

interface GetFlags extends SplitFlags {
  pair?: string;
  out?: string;
  force?: boolean;
  cache?: string;
  split: boolean;
  list?: string | boolean;
  refresh?: boolean;
  retries: string;
  timeout: string;
}

interface PrepareFlags extends SplitFlags {
  out: string;
  src?: string;
  tgt?: string;
  corpusFormat?: string;
  force?: boolean;
}

const addSplitOptions = (c: Command): Command =>
  c
    .option('--seed <n>', 'seed of the shuffle that deals sentences to the splits', '1')
    .option(
      '--valid <size>',
      'validation pairs: a count (2000), a percentage (5%) or a fraction (0.05) [default: 2000, at most 5%]',
    )
    .option('--test <size>', 'test pairs, likewise [default: 5000, at most 10%]')
    .option('--max-chars <n>', 'drop pairs with a side longer than this many characters (0: no limit)', '1000')
    .option(
      '--max-ratio <r>',
      'drop pairs whose longer side is more than r times the shorter, in characters (0: no limit)',
      '9',
    );

async function splitSettings(o: SplitFlags) {
  const { DEFAULT_TEST, DEFAULT_VALID, parseSplitSize } = await import('../../data/prepare.js');
  return {
    seed: integerFlag('--seed', o.seed, 0),
    valid: o.valid === undefined ? DEFAULT_VALID : parseSplitSize(o.valid, '--valid'),
    test: o.test === undefined ? DEFAULT_TEST : parseSplitSize(o.test, '--test'),
    maxChars: integerFlag('--max-chars', o.maxChars, 0),
    maxRatio: numberFlag('--max-ratio', o.maxRatio),
  };
}

/**
 * Runs `work` with an AbortSignal that Ctrl-C aborts (a second Ctrl-C exits at once), and the
 * progress renderer ended before any error line.
 */
async function interruptible<T>(
  prefix: string,
  work: (signal: AbortSignal, onEvent: import('../../data/download/events.js').OnEvent) => Promise<T>,
): Promise<T> {
  const { progressRenderer } = await import('../corpus-progress.js');
  const r = progressRenderer(process.stderr, prefix);
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(130);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  try {
    return await work(ac.signal, r.onEvent);
  } finally {
    r.finish();
    process.off('SIGINT', onSignal);
  }
}

const n = (x: number) => x.toLocaleString('en-US');

/** The command that trains on what `get` wrote. */
function nextCommand(source: string, out: string, src: string, tgt: string): string {
  const preset = source === 'multi30k' ? 'multi30k' : source === 'tatoeba' ? 'tatoeba' : 'small';
  const name = out.split('/').filter(Boolean).pop() ?? 'corpus';
  const run = source === 'multi30k' ? `runs/multi30k-${src}-${tgt}` : `runs/${name}`;
  const data = `--train ${out}/train --valid ${out}/val --src ${src} --tgt ${tgt}`;
  return `seq2seq train --preset ${preset} ${data} --out ${run}`;
}

async function listSources(what: string | boolean, o: GetFlags, cacheDir: string): Promise<void> {
  const { KNOWN_SOURCES, MULTI30K_SPLITS, parsePair } = await import('../../data/sources.js');
  if (typeof what !== 'string' || what === 'sources') {
    process.stdout.write(
      [
        'multi30k     Multi30k task 1 (image descriptions): en, de, fr, cs;',
        '             train 29,000, val 1,014, test sets 461–1,071 pairs',
        '             (github.com/multi30k/dataset; --pair SRC-TGT for two languages, default all four)',
        'tatoeba      Tatoeba sentence pairs through OPUS, any pair (--pair en-fr); CC BY 2.0 FR',
        'opus:NAME    any corpus on OPUS, any pair it has (--pair en-de); see --list opus --pair en-de',
        '',
      ].join('\n'),
    );
    return;
  }
  if (what === 'multi30k') {
    for (const s of MULTI30K_SPLITS) process.stdout.write(`${s.split.padEnd(18)}${s.languages.join(' ')}\n`);
    return;
  }
  if (what !== 'opus')
    throw new InputError(`--list takes sources, multi30k or opus, got '${what}'; known sources: ${KNOWN_SOURCES}`);
  if (o.pair === undefined) throw new InputError('--list opus needs --pair SRC-TGT (e.g. --list opus --pair en-de)');
  const pair = parsePair(o.pair);
  const { listOpus } = await import('../../data/get-corpus.js');
  const rows = await interruptible('list', (signal, onEvent) =>
    listOpus(pair, { ...downloadFlags(o), cacheDir, mirror: process.env.SEQ2SEQ_MIRROR || undefined, signal, onEvent }),
  );
  const { formatBytes } = await import('../corpus-progress.js');
  const w = [
    Math.max(6, ...rows.map((r) => r.corpus.length)),
    Math.max(7, ...rows.map((r) => r.version.length)),
    Math.max(5, ...rows.map((r) => n(r.pairs).length)),
  ];
  process.stdout.write(
    `${'corpus'.padEnd(w[0])}  ${'version'.padEnd(w[1])}  ${'pairs'.padStart(w[2])}  ${'size'.padStart(8)}\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${r.corpus.padEnd(w[0])}  ${r.version.padEnd(w[1])}  ${n(r.pairs).padStart(w[2])}  ` +
        `${formatBytes(r.kib * 1024).padStart(8)}\n`,
    );
  }
  process.stderr.write(
    `list: ${rows.length} corpora on OPUS for ${pair.src}-${pair.tgt}; ` +
      `fetch one with: seq2seq corpus get opus:NAME --pair ${pair.src}-${pair.tgt}\n`,
  );
}

function downloadFlags(o: GetFlags) {
  const timeout = numberFlag('--timeout', o.timeout);
  if (timeout <= 0) throw new InputError(`--timeout must be a number of seconds > 0, got '${o.timeout}'`);
  return { stallMs: Math.round(timeout * 1000), retries: integerFlag('--retries', o.retries, 0), backoffMs: 500 };
}

export function register(program: Command): void {
  const corpus = program.command('corpus').description('get, prepare and inspect parallel corpora');
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
  seq2seq corpus stats corpora/tatoeba-en-fr/train --src en --tgt fr`,
    )
    .action(async (paths: string[], opts: { src?: string; tgt?: string; corpusFormat?: string; format: string }) => {
      if (opts.format !== 'text' && opts.format !== 'json')
        throw new InputError(`--format must be text or json, got '${opts.format}'`);
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

  const get = corpus
    .command('get')
    .description('download a real parallel corpus (multi30k, tatoeba, opus:NAME) into a ready corpus directory')
    .argument('[source]', 'multi30k, tatoeba or opus:NAME')
    .option('--pair <src-tgt>', 'the language pair, e.g. en-de (multi30k: default all of en, de, fr, cs)')
    .option('--out <dir>', 'the corpus directory to write [default: corpora/SOURCE or corpora/SOURCE-SRC-TGT]')
    .option('--force', 'replace --out if it exists')
    .option('--cache <dir>', 'download cache [default: $XDG_CACHE_HOME/seq2seq or ~/.cache/seq2seq]')
    .option('--no-split', 'OPUS and Tatoeba: write the whole corpus as all.SRC/all.TGT instead of train/val/test')
    .option('--list [what]', 'list the sources, the Multi30k files (multi30k), or what OPUS has for --pair (opus)')
    .option('--refresh', 'ask the OPUS API again instead of using its cached answer')
    .option('--retries <n>', 'tries again after a timeout, a cut connection or a server error', '5')
    .option('--timeout <seconds>', 'a connection that sends nothing for this long has stalled', '30');
  addSplitOptions(get)
    .addHelpText(
      'after',
      `
Examples:
  seq2seq corpus get multi30k              # → corpora/multi30k/{train,val,test_2016_flickr,…}.{en,de,fr,cs}
  seq2seq corpus get multi30k --pair en-de --out data/m30k
  seq2seq corpus get tatoeba --pair en-fr                      # → corpora/tatoeba-en-fr/{train,val,test}.{en,fr}
  seq2seq corpus get opus:EUbookshop --pair en-fr --no-split
  seq2seq corpus get --list opus --pair en-de                  # what OPUS has for en-de, with pair counts and sizes

Downloads are cached and verified (sha256), resumed after an interruption, retried on timeouts
and server errors; HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured. Sources, licences, the
cache and the manifest: docs/data.md.`,
    )
    .action(async (sourceArg: string | undefined, o: GetFlags) => {
      const { defaultCacheDir } = await import('../../data/download/cache.js');
      const cacheDir = o.cache ?? defaultCacheDir();
      if (o.list !== undefined) {
        if (sourceArg !== undefined) throw new InputError(`--list lists; give it no source (got '${sourceArg}')`);
        await listSources(o.list, o, cacheDir);
        return;
      }
      const { KNOWN_SOURCES, parsePair, parseSource } = await import('../../data/sources.js');
      if (sourceArg === undefined) throw new InputError(`corpus get needs a source: ${KNOWN_SOURCES}`);
      const source = parseSource(sourceArg);
      const pair = o.pair === undefined ? undefined : parsePair(o.pair);
      const { defaultOutDir, getCorpus } = await import('../../data/get-corpus.js');
      const { packageVersion } = await import('../main.js');
      const out = o.out ?? defaultOutDir(source, pair);
      const settings = {
        source,
        pair,
        out,
        force: o.force === true,
        cacheDir,
        mirror: process.env.SEQ2SEQ_MIRROR || undefined,
        ...downloadFlags(o),
        split: o.split,
        prepare: await splitSettings(o),
        refresh: o.refresh === true,
        tool: `seq2seq ${packageVersion()}`,
      };
      const m = await interruptible('get', (signal, onEvent) => getCorpus({ ...settings, signal, onEvent }));
      if (m.prepare) {
        const { formatPrepareReport } = await import('../../data/prepare.js');
        for (const l of formatPrepareReport(m.prepare, out)) process.stderr.write(`${l}\n`);
      }
      const splits = Object.entries(m.splits).map(([s, v]) => `${s} ${n(v.pairs)}`);
      process.stdout.write(
        `wrote ${out}: ${splits.join(', ')} pairs (${m.languages.join(', ')}); manifest ${out}/manifest.json\n`,
      );
      if (m.splits.train && m.splits.val) {
        const [src, tgt] = pair ? [pair.src, pair.tgt] : ['en', 'de'];
        process.stdout.write(`next: ${nextCommand(m.source, out, src, tgt)}\n`);
      }
    });

  const prepare = corpus
    .command('prepare')
    .description('clean, deduplicate and split corpora into train/val/test (seeded, reproducible)')
    .argument('<input...>', 'corpora: TSV or JSON Lines files, or prefixes of aligned files with --src/--tgt')
    .requiredOption(
      '--out <dir>',
      'the corpus directory to write: {train,val,test}.{SRC,TGT}, prepare.json, manifest.json',
    )
    .option(
      '--src <lang>',
      'source language: the suffix of aligned inputs (PREFIX.src) and of the files written [default: src]',
    )
    .option('--tgt <lang>', 'target language, likewise [default: tgt]')
    .option('--corpus-format <fmt>', 'aligned, tsv or jsonl (default: from each input)')
    .option('--force', 'replace --out if it exists');
  addSplitOptions(prepare)
    .addHelpText(
      'after',
      `
Examples:
  seq2seq corpus prepare pairs.tsv --src en --tgt fr --out data/en-fr
  seq2seq corpus prepare corpora/Tatoeba-en-de/all more/all --src en --tgt de --out data/en-de --valid 1% --test 2%

Each side is NFC-normalised and stripped of control characters; pairs with an empty side, a side
over --max-chars or a length ratio over --max-ratio are dropped, and so are duplicates (equal after
NFC and white-space squeezing). Sentences with the same source side stay in one split, so no
validation or test source is in train. The report goes to stderr and to OUT/prepare.json (docs/data.md).`,
    )
    .action(async (inputs: string[], o: PrepareFlags) => {
      const cf = o.corpusFormat;
      if (cf !== undefined && cf !== 'aligned' && cf !== 'tsv' && cf !== 'jsonl')
        throw new InputError(`--corpus-format must be aligned, tsv or jsonl, got '${cf}'`);
      const { resolveCorpus } = await import('../../data/corpus.js');
      const { formatPrepareReport, prepareCorpus } = await import('../../data/prepare.js');
      const { checkOutDir, writeDirAtomically } = await import('../../data/staging-dir.js');
      const { splitsOf, writeManifest } = await import('../../data/manifest.js');
      const { packageVersion } = await import('../main.js');
      const split = await splitSettings(o);
      const force = o.force === true;
      const [src, tgt] = [o.src ?? 'src', o.tgt ?? 'tgt'];
      if (src === tgt) throw new InputError(`--src and --tgt are both '${src}'`);
      checkOutDir(o.out, force);
      const specs = inputs.map((p) => resolveCorpus([p], { src: o.src, tgt: o.tgt, format: cf }));
      const report = await interruptible('prepare', (signal, onEvent) =>
        writeDirAtomically(o.out, force, async (dir) => {
          const r = await prepareCorpus(specs, dir, { ...split, src, tgt }, { signal, onEvent });
          writeManifest(dir, {
            format: 'seq2seq-corpus',
            version: 1,
            created: new Date().toISOString(),
            tool: `seq2seq ${packageVersion()}`,
            source: 'prepare',
            languages: [src, tgt],
            pair: { src, tgt },
            downloads: [],
            splits: splitsOf(r.files),
            files: r.files,
            prepare: r,
          });
          return r;
        }),
      );
      for (const l of formatPrepareReport(report, o.out)) process.stderr.write(`${l}\n`);
    });

  registerEncode(corpus);
}
