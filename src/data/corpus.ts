/**
 * Parallel corpora: naming them (resolveCorpus), reading them as a stream of sentence pairs
 * (readPairs, bounded memory) or all at once (loadPairs). Three formats:
 *   aligned  two files, line N of one pairs with line N of the other (Moses style: train.en + train.de)
 *   tsv      one file, `source<TAB>target[<TAB>ignored…]` per line (Tatoeba / Anki exports)
 *   jsonl    one JSON object per line: {"src": "…", "tgt": "…"} (other fields ignored)
 * Every file follows the UTF-8 rules of line-reader.ts. Both sides of a pair are trimmed of
 * leading and trailing white space; a pair with an empty side is skipped and counted, as is a
 * blank line in a TSV or JSONL file. Every problem is an InputError `path:line: problem`.
 */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { InputError, at } from '../errors.js';
import { LineReader, checkFile, type LineReaderCounts } from './line-reader.js';
import { oneLine } from '../util/json-file.js';

export { readLines, type TextLine } from './line-reader.js';

export type CorpusFormat = 'aligned' | 'tsv' | 'jsonl';

export type CorpusSpec =
  | { format: 'aligned'; srcPath: string; tgtPath: string }
  | { format: 'tsv'; path: string }
  | { format: 'jsonl'; path: string };

export interface SentencePair {
  src: string;
  tgt: string;
  /** 1-based line number of the pair in its file(s). */
  line: number;
}

/** What reading a corpus found, skipped and normalised. */
export interface CorpusReport {
  /** Pairs yielded. */
  pairs: number;
  /** Lines read (per side, for aligned files). */
  lines: number;
  /** Pairs skipped because a side (or the whole line) was empty after trimming. */
  skippedEmpty: number;
  /** …of which the source side was empty, and the target side was empty (both may count). */
  emptySrc: number;
  emptyTgt: number;
  /** Lines whose CRLF line end was normalised (both files counted for aligned corpora). */
  crlfLines: number;
  /** Byte order marks stripped (at most one per file). */
  bomStripped: number;
  /** Lines holding U+FEFF after their start (kept as text). */
  bomInLine: number;
  /** Lines holding U+2028 or U+2029 (kept as text; outputs turn them into spaces). */
  lineSeparators: number;
}

export function newCorpusReport(): CorpusReport {
  const normalised = { crlfLines: 0, bomStripped: 0, bomInLine: 0, lineSeparators: 0 };
  return { pairs: 0, lines: 0, skippedEmpty: 0, emptySrc: 0, emptyTgt: 0, ...normalised };
}

const FORMATS: readonly CorpusFormat[] = ['aligned', 'tsv', 'jsonl'];

/**
 * Names a corpus from command-line words:
 *   [a, b]                        → aligned files a and b
 *   [prefix] with src and tgt     → aligned prefix.src + prefix.tgt (when prefix itself is not a file)
 *   [file]                        → tsv or jsonl: by `format`, else by extension (.jsonl/.json, .tsv/.txt),
 *                                   else by its first non-blank line (`{` → jsonl, a tab → tsv)
 * Every named file must exist and be a regular file.
 */
export function resolveCorpus(
  paths: string[],
  opts: { src?: string; tgt?: string; format?: CorpusFormat } = {},
): CorpusSpec {
  const { src, tgt, format } = opts;
  if (format !== undefined && !FORMATS.includes(format)) {
    throw new InputError(`unknown corpus format '${String(format)}' (expected aligned, tsv or jsonl)`);
  }
  if (paths.length === 0) throw new InputError('no corpus given');
  if (paths.length > 2) throw new InputError(`a corpus is one or two paths, got ${paths.length}: ${paths.join(' ')}`);
  if ((src === undefined) !== (tgt === undefined))
    throw new InputError('--src and --tgt go together: give both languages or neither');

  if (paths.length === 2) {
    if (format !== undefined && format !== 'aligned') {
      throw new InputError(`two paths name an aligned corpus, but the format is '${format}'`);
    }
    checkFile(paths[0]);
    checkFile(paths[1]);
    return { format: 'aligned', srcPath: paths[0], tgtPath: paths[1] };
  }

  const p = paths[0];
  const isFile = existsSync(p) && statSync(p).isFile();
  if (src !== undefined && tgt !== undefined && (format === 'aligned' || (format === undefined && !isFile))) {
    if (src === tgt) throw new InputError(`--src and --tgt are both '${src}'`);
    const srcPath = `${p}.${src}`;
    const tgtPath = `${p}.${tgt}`;
    checkFile(srcPath);
    checkFile(tgtPath);
    return { format: 'aligned', srcPath, tgtPath };
  }
  if (format === 'aligned') {
    throw new InputError(`${p}: an aligned corpus needs two paths, or a prefix with --src and --tgt`);
  }
  if (!isFile) {
    checkFile(p); // throws the precise reason (missing, directory, …)
  }
  if (format !== undefined) return { format, path: p };
  return { format: guessFormat(p), path: p };
}

function guessFormat(path: string): 'tsv' | 'jsonl' {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') return 'jsonl';
  if (ext === '.tsv' || ext === '.txt' || ext === '.tab') return 'tsv';
  const head = readHead(path, 1 << 16);
  const first = head.split('\n').find((l) => l.trim() !== '') ?? '';
  const line = first.replace(/^\uFEFF/, '').trimStart();
  if (line.startsWith('{')) return 'jsonl';
  if (line.includes('\t')) return 'tsv';
  throw new InputError(
    at(
      path,
      undefined,
      'cannot tell the corpus format (not JSON Lines, no tab): give --src/--tgt for aligned files or the format ' +
        'explicitly',
    ),
  );
}

function readHead(path: string, n: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A short human description, for messages and logs. */
export function describeCorpus(spec: CorpusSpec): string {
  switch (spec.format) {
    case 'aligned':
      return `aligned ${spec.srcPath} + ${spec.tgtPath}`;
    case 'tsv':
      return `TSV ${spec.path}`;
    case 'jsonl':
      return `JSON Lines ${spec.path}`;
  }
}

/** The paths a corpus reads (one or two). */
export function corpusFiles(spec: CorpusSpec): string[] {
  return spec.format === 'aligned' ? [spec.srcPath, spec.tgtPath] : [spec.path];
}

/** Streams the sentence pairs of a corpus, in file order, with bounded memory. */
export async function* readPairs(
  spec: CorpusSpec,
  report: CorpusReport = newCorpusReport(),
): AsyncGenerator<SentencePair> {
  if (spec.format === 'aligned') yield* readAligned(spec.srcPath, spec.tgtPath, report);
  else if (spec.format === 'tsv') yield* readSingle(spec.path, report, parseTsvLine);
  else if (spec.format === 'jsonl') yield* readSingle(spec.path, report, parseJsonLine);
  else throw new InputError(`unknown corpus format '${(spec as { format: string }).format}'`);
}

/** Reads a whole corpus into memory (for corpora that fit: the demo corpus, Multi30k, Tatoeba). */
export async function loadPairs(spec: CorpusSpec): Promise<{ pairs: SentencePair[]; report: CorpusReport }> {
  const report = newCorpusReport();
  const pairs: SentencePair[] = [];
  for await (const p of readPairs(spec, report)) pairs.push(p);
  return { pairs, report };
}

/** Counts an empty side; returns true when the pair is to be kept. */
function keep(src: string, tgt: string, report: CorpusReport): boolean {
  if (src !== '' && tgt !== '') return true;
  report.skippedEmpty++;
  if (src === '') report.emptySrc++;
  if (tgt === '') report.emptyTgt++;
  return false;
}

async function* readAligned(srcPath: string, tgtPath: string, report: CorpusReport): AsyncGenerator<SentencePair> {
  const counts: LineReaderCounts = report;
  const a = new LineReader(srcPath, counts);
  const b = new LineReader(tgtPath, counts);
  try {
    for (;;) {
      let x = a.take();
      if (x === undefined) x = await a.next();
      let y = b.take();
      if (y === undefined) y = await b.next();
      if (x === null && y === null) return;
      if (x === null || y === null) {
        const [ended, other, n] = x === null ? [srcPath, tgtPath, a.line] : [tgtPath, srcPath, b.line];
        const problem = n === 0 ? 'has no lines' : `ends after line ${n}`;
        throw new InputError(
          at(
            ended,
            n === 0 ? undefined : n,
            `${problem}, but ${other} continues (line ${n + 1}): aligned files must have the same number of lines`,
          ),
        );
      }
      report.lines++;
      const src = x.text.trim();
      const tgt = y.text.trim();
      if (!keep(src, tgt, report)) continue;
      report.pairs++;
      yield { src, tgt, line: x.line };
    }
  } finally {
    await a.close();
    await b.close();
  }
}

type LineParser = (text: string, path: string, line: number) => { src: string; tgt: string };

async function* readSingle(path: string, report: CorpusReport, parse: LineParser): AsyncGenerator<SentencePair> {
  const r = new LineReader(path, report);
  try {
    for (;;) {
      let l = r.take();
      if (l === undefined) l = await r.next();
      if (l === null) return;
      report.lines++;
      if (l.text.trim() === '') {
        keep('', '', report);
        continue;
      }
      const pair = parse(l.text, path, l.line);
      const src = pair.src.trim();
      const tgt = pair.tgt.trim();
      if (!keep(src, tgt, report)) continue;
      report.pairs++;
      yield { src, tgt, line: l.line };
    }
  } finally {
    await r.close();
  }
}

/** `source<TAB>target[<TAB>anything]`. */
function parseTsvLine(text: string, path: string, line: number): { src: string; tgt: string } {
  const tab = text.indexOf('\t');
  if (tab < 0) throw new InputError(at(path, line, 'no tab: expected source<TAB>target'));
  const tab2 = text.indexOf('\t', tab + 1);
  return { src: text.slice(0, tab), tgt: tab2 < 0 ? text.slice(tab + 1) : text.slice(tab + 1, tab2) };
}

/** `{"src": "…", "tgt": "…"}`. */
function parseJsonLine(text: string, path: string, line: number): { src: string; tgt: string } {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new InputError(at(path, line, `invalid JSON (${oneLine((err as Error).message, 200)})`));
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new InputError(at(path, line, 'expected a JSON object {"src": …, "tgt": …}'));
  }
  const o = obj as Record<string, unknown>;
  for (const key of ['src', 'tgt']) {
    if (!(key in o)) throw new InputError(at(path, line, `missing field "${key}"`));
    if (typeof o[key] !== 'string') throw new InputError(at(path, line, `field "${key}" must be a string`));
  }
  return { src: o.src as string, tgt: o.tgt as string };
}

/** A name for the corpus' files in short messages (the base name of the first file). */
export function corpusName(spec: CorpusSpec): string {
  return basename(corpusFiles(spec)[0]);
}
