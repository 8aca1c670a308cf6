/**
 * DIR/manifest.json: what a corpus directory written by `corpus get` or `corpus prepare` holds and
 * where it came from (docs/data.md describes each field). Its splits are aligned files
 * DIR/SPLIT.LANG that `seq2seq train --train DIR/train --src SRC --tgt TGT` reads.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { PrepareReport } from './prepare.js';
import type { Licence } from './sources.js';

const MANIFEST_FILE = 'manifest.json';

export interface ManifestDownload {
  /** The source's URL (the cache key). */
  url: string;
  /** Where it was fetched from when that differs (a mirror). */
  fetchedFrom?: string;
  sha256: string;
  bytes: number;
  /** True when this `get` took it from the cache. */
  fromCache: boolean;
  /** When it was downloaded (ISO date). */
  fetched: string;
}

export interface CorpusManifest {
  format: 'seq2seq-corpus';
  version: 1;
  /** ISO date the directory was written. */
  created: string;
  /** The program that wrote it (`seq2seq 0.1.0`). */
  tool: string;
  /** multi30k, tatoeba, opus:NAME, or prepare. */
  source: string;
  /** The language suffixes of the files. */
  languages: string[];
  /** The translation direction asked for, if one was. */
  pair?: { src: string; tgt: string };
  licence?: Licence & { files: string[] };
  /** The exact release: a git commit, or the OPUS corpus version and archive. */
  release?: Record<string, string | number>;
  downloads: ManifestDownload[];
  /** Each split: its number of pairs and its file per language. */
  splits: Record<string, { pairs: number; files: Record<string, string> }>;
  /** Every data file: lines, bytes and sha256. */
  files: Record<string, { lines: number; sha256: string }>;
  /** What `corpus prepare` read, dropped and kept (also in prepare.json), when it made the splits. */
  prepare?: PrepareReport;
}

/** The `splits` of a manifest from its data files (named SPLIT.LANG). */
export function splitsOf(files: CorpusManifest['files']): CorpusManifest['splits'] {
  const splits: CorpusManifest['splits'] = {};
  for (const [name, f] of Object.entries(files)) {
    const dot = name.lastIndexOf('.');
    const split = name.slice(0, dot);
    const s = (splits[split] ??= { pairs: f.lines, files: {} });
    s.files[name.slice(dot + 1)] = name;
  }
  return splits;
}

export function writeManifest(dir: string, m: CorpusManifest): void {
  writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(m, null, 2) + '\n');
}
