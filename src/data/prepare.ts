/**
 * `corpus prepare`: the cleaning and splitting a real corpus needs, seeded and reproducible.
 *
 * For every pair of the inputs, in order:
 *   1. clean both sides (clean-text.ts: NFC, control characters, trimming);
 *   2. drop it when a side is empty, when a side is longer than `maxChars` code points, or when the
 *      longer side is more than `maxRatio` times the shorter (in code points); 0 turns a limit off;
 *   3. drop it when it duplicates an earlier kept pair: both sides equal after NFC, white space
 *      squeezed to one space and trimmed (the comparison key, split.ts sourceKey);
 *   4. put it in the group of its source side's comparison key.
 * Then the groups are dealt to test, validation and train by split.ts assignSplits (seeded
 * Fisher–Yates; whole groups, so a validation or test pair never has its source sentence, by the
 * comparison key, in train), and the splits are written as aligned files DIR/{train,val,test}.{src,tgt}
 * in shuffled group order, with DIR/prepare.json reporting what was read, dropped and why.
 *
 * Memory is a few tens of bytes a pair (key-table.ts, pair-store.ts): the text itself waits in a
 * temporary file, so corpora far larger than the JavaScript heap can be prepared.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { cleanSentence, codePoints } from './clean-text.js';
import { corpusFiles, newCorpusReport, readPairs, type CorpusFormat, type CorpusSpec } from './corpus.js';
import type { OnEvent } from './download/events.js';
import { sha256OfFile } from './file-sha256.js';
import { checkInterrupted } from './interrupted.js';
import { KeyTable } from './key-table.js';
import { PairStore } from './pair-store.js';
import { assignSplits, type GroupAssignment, sourceKey } from './split.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** How many pairs a split gets: a count, a fraction of the kept pairs, or a count capped by a fraction. */
export interface SplitSize {
  count?: number;
  fraction?: number;
  /** With `count`: at most this fraction of the kept pairs (the defaults, so small corpora still train). */
  atMostFraction?: number;
}

export const DEFAULT_VALID: SplitSize = { count: 2000, atMostFraction: 0.05 };
export const DEFAULT_TEST: SplitSize = { count: 5000, atMostFraction: 0.1 };

/** `2000` (pairs), `5%` or `0.05` (of the kept pairs). */
export function parseSplitSize(arg: string, flag: string): SplitSize {
  const a = arg.trim();
  if (/^\d+$/.test(a)) return { count: Number(a) };
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(a);
  const f = pct ? Number(pct[1]) / 100 : /^0?\.\d+$/.test(a) ? Number(a) : NaN;
  if (!(f >= 0 && f < 1))
    throw new InputError(
      `${flag} must be a number of pairs (2000), a percentage (5%) or a fraction below 1 (0.05), got '${arg}'`,
    );
  return { fraction: f };
}

export function resolveSplitSize(s: SplitSize, kept: number): number {
  if (s.fraction !== undefined) return Math.round(s.fraction * kept);
  const count = s.count ?? 0;
  return s.atMostFraction === undefined ? count : Math.min(count, Math.floor(s.atMostFraction * kept));
}

const describeSplitSize = (s: SplitSize): string =>
  s.fraction !== undefined
    ? `${+(s.fraction * 100).toFixed(4)}%`
    : `${s.count}${s.atMostFraction !== undefined ? ` (at most ${s.atMostFraction * 100}%)` : ''}`;

export interface PrepareSettings {
  /** Language suffixes of the files written (train.SRC, train.TGT). */
  src: string;
  tgt: string;
  seed: number;
  valid: SplitSize;
  test: SplitSize;
  /** Longest side kept, in code points; 0: no limit. */
  maxChars: number;
  /** Largest ratio of the longer side's length to the shorter's; 0: no limit. */
  maxRatio: number;
}

export interface PrepareReport {
  inputs: { format: CorpusFormat; files: { path: string; sha256: string }[]; lines: number }[];
  settings: {
    seed: number;
    valid: string;
    test: string;
    maxChars: number;
    maxRatio: number;
    /** What "the same sentence" means for duplicates and for keeping validation and test out of train. */
    sameSentence: string;
  };
  /** Pairs (lines) read from all inputs. */
  read: number;
  dropped: { empty: number; tooLong: number; ratio: number; duplicate: number };
  /** Pairs changed by cleaning (either side). */
  changed: { nfc: number; controlChars: number };
  kept: number;
  /** Distinct source sentences (by the comparison key) among the kept pairs. */
  groups: number;
  splits: { train: number; val: number; test: number };
  files: Record<string, { lines: number; sha256: string }>;
}

const SPLIT_NAMES = ['train', 'val', 'test'] as const;
const SAME_SENTENCE = 'source side equal after NFC, white space squeezed to one space, trimmed';

/** Buffered lines into a file, hashed as they go. */
class HashedWriter {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private buf: string[] = [];
  private bufLen = 0;
  lines = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  line(s: string): void {
    this.buf.push(s, '\n');
    this.bufLen += s.length + 1;
    this.lines++;
    if (this.bufLen >= 1 << 18) this.flush();
  }

  private flush(): void {
    const b = Buffer.from(this.buf.join(''), 'utf8');
    let o = 0;
    while (o < b.length) o += writeSync(this.fd, b, o, b.length - o);
    this.hash.update(b);
    this.buf = [];
    this.bufLen = 0;
  }

  close(): string {
    this.flush();
    closeSync(this.fd);
    return this.hash.digest('hex');
  }
}

/** Reads, cleans, filters and deduplicates the inputs into `store`; fills in the counts of `report`. */
async function collect(
  inputs: readonly CorpusSpec[],
  settings: PrepareSettings,
  store: PairStore,
  report: PrepareReport,
  opts: PrepareOptions,
) {
  const pairsTable = new KeyTable();
  const groupTable = new KeyTable();
  const groupOf: number[] = [];
  const groupSizes: number[] = [];
  /** The first kept pair of each group (to confirm a group match). */
  const groupFirst: number[] = [];
  for (const spec of inputs) {
    const r = newCorpusReport();
    for await (const p of readPairs(spec, r)) {
      if ((r.pairs & 0xfff) === 0) checkInterrupted(opts.signal);
      const s = cleanSentence(p.src);
      const t = cleanSentence(p.tgt);
      if (s.nfc || t.nfc) report.changed.nfc++;
      if (s.controls || t.controls) report.changed.controlChars++;
      if (s.text === '' || t.text === '') {
        report.dropped.empty++;
        continue;
      }
      const ls = codePoints(s.text);
      const lt = codePoints(t.text);
      if (settings.maxChars > 0 && Math.max(ls, lt) > settings.maxChars) {
        report.dropped.tooLong++;
        continue;
      }
      if (settings.maxRatio > 0 && Math.max(ls, lt) > settings.maxRatio * Math.min(ls, lt)) {
        report.dropped.ratio++;
        continue;
      }
      const ks = sourceKey(s.text);
      const kt = sourceKey(t.text);
      const index = store.count;
      const dup = pairsTable.findOrInsert(`${ks}\t${kt}`, index, (i) => {
        const q = store.get(i);
        return sourceKey(q.src) === ks && sourceKey(q.tgt) === kt;
      });
      if (dup >= 0) {
        report.dropped.duplicate++;
        continue;
      }
      store.append(s.text, t.text);
      const found = groupTable.findOrInsert(
        ks,
        groupSizes.length,
        (g) => sourceKey(store.get(groupFirst[g]).src) === ks,
      );
      const g = found >= 0 ? found : groupSizes.length;
      if (found < 0) {
        groupSizes.push(0);
        groupFirst.push(index);
      }
      groupSizes[g]++;
      groupOf.push(g);
    }
    report.read += r.lines;
    report.dropped.empty += r.skippedEmpty;
    const files = [];
    for (const path of corpusFiles(spec))
      files.push({ path: opts.name?.(path) ?? path, sha256: await sha256OfFile(path) });
    report.inputs.push({ format: spec.format, files, lines: r.lines });
  }
  report.kept = store.count;
  report.groups = groupSizes.length;
  return { groupOf: Uint32Array.from(groupOf), groupSizes: Uint32Array.from(groupSizes) };
}

export interface PrepareOptions {
  signal?: AbortSignal;
  onEvent?: OnEvent;
  /** How an input file is named in the report (default: its path). */
  name?: (path: string) => string;
}

/** Cleans, deduplicates and splits `inputs` into aligned files in `dir` (which must exist). */
export async function prepareCorpus(
  inputs: readonly CorpusSpec[],
  dir: string,
  settings: PrepareSettings,
  opts: PrepareOptions = {},
): Promise<PrepareReport> {
  if (settings.src === settings.tgt) throw new InputError(`the two languages are both '${settings.src}'`);
  const report: PrepareReport = {
    inputs: [],
    settings: {
      seed: settings.seed,
      valid: '',
      test: '',
      maxChars: settings.maxChars,
      maxRatio: settings.maxRatio,
      sameSentence: SAME_SENTENCE,
    },
    read: 0,
    dropped: { empty: 0, tooLong: 0, ratio: 0, duplicate: 0 },
    changed: { nfc: 0, controlChars: 0 },
    kept: 0,
    groups: 0,
    splits: { train: 0, val: 0, test: 0 },
    files: {},
  };
  const storePath = join(dir, '.pairs.tmp');
  const store = new PairStore(storePath);
  try {
    const named = inputs.flatMap(corpusFiles).map((p) => opts.name?.(p) ?? p);
    opts.onEvent?.({ type: 'note', message: `reading ${named.join(', ')}` });
    const { groupOf, groupSizes } = await collect(inputs, settings, store, report, opts);
    const valid = resolveSplitSize(settings.valid, report.kept);
    const test = resolveSplitSize(settings.test, report.kept);
    report.settings.valid = `${valid} (asked: ${describeSplitSize(settings.valid)})`;
    report.settings.test = `${test} (asked: ${describeSplitSize(settings.test)})`;
    if (report.kept === 0) throw new InputError(`${named.join(', ')}: no pairs left to split (${report.read} read)`);
    let assigned: GroupAssignment;
    try {
      assigned = assignSplits(groupSizes, { valid, test }, settings.seed);
    } catch (err) {
      throw new InputError(`${(err as Error).message}: give smaller --valid/--test`);
    }
    // The members of each group, in input order (compressed rows: start offsets, then indices).
    const start = new Uint32Array(groupSizes.length + 1);
    for (let g = 0; g < groupSizes.length; g++) start[g + 1] = start[g] + groupSizes[g];
    const fill = start.slice(0, groupSizes.length);
    const members = new Uint32Array(groupOf.length);
    for (let i = 0; i < groupOf.length; i++) members[fill[groupOf[i]]++] = i;
    opts.onEvent?.({ type: 'note', message: `writing ${report.kept} pairs in ${report.groups} groups` });
    for (const [k, name] of SPLIT_NAMES.entries()) {
      const ws = new HashedWriter(join(dir, `${name}.${settings.src}`));
      const wt = new HashedWriter(join(dir, `${name}.${settings.tgt}`));
      for (const g of assigned.order) {
        if (assigned.split[g] !== k) continue;
        checkInterrupted(opts.signal);
        for (let m = start[g]; m < start[g + 1]; m++) {
          const p = store.get(members[m]);
          ws.line(p.src);
          wt.line(p.tgt);
        }
      }
      report.splits[name] = ws.lines;
      report.files[`${name}.${settings.src}`] = { lines: ws.lines, sha256: ws.close() };
      report.files[`${name}.${settings.tgt}`] = { lines: wt.lines, sha256: wt.close() };
    }
  } finally {
    store.close();
    rmSync(storePath, { force: true });
  }
  writeFileAtomic(join(dir, 'prepare.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

/** The report in a few lines, for stderr. */
export function formatPrepareReport(r: PrepareReport, dir: string): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const d = r.dropped;
  return [
    `prepare: read ${n(r.read)} pairs; dropped ${n(d.duplicate)} duplicates, ${n(d.empty)} with an empty side, ` +
      `${n(d.tooLong)} over ${r.settings.maxChars || '∞'} characters, ` +
      `${n(d.ratio)} with a length ratio over ${r.settings.maxRatio || '∞'}`,
    `prepare: cleaned ${n(r.changed.nfc)} pairs by NFC and ${n(r.changed.controlChars)} of control characters`,
    `prepare: ${n(r.kept)} pairs, ${n(r.groups)} distinct source sentences → ` +
      `train ${n(r.splits.train)}, val ${n(r.splits.val)}, ` +
      `test ${n(r.splits.test)} (seed ${r.settings.seed}) in ${dir}`,
  ];
}
